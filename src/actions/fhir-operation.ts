import type { Resource } from 'fhir/r4';
import { rewriteFhirReferences } from '../fhir/references.ts';
import { reverseFhirReferences } from '../mapping/reverse-references.ts';
import { MappingFailure, type NativeIdResolver } from '../mapping/run-state.ts';
import type { Connection } from '../store/port.ts';
import { forwardOptionsFor } from '../sync/poll-connection.ts';
import { ActionError } from './action-error.ts';

/**
 * A named operation's FHIR input (Epic `Parameters`) as the source takes it: the resource itself,
 * its gateway references (already checked by the reference guard) turned into the source's ids.
 */
export function fhirOperationBody(resource: Resource, resolve: NativeIdResolver): Record<string, unknown> {
  try {
    return reverseFhirReferences(
      resource as unknown as Record<string, unknown>,
      resolve,
      resource.resourceType,
    );
  } catch (error) {
    if (error instanceof MappingFailure)
      throw new ActionError('VALIDATION', `${error.path}: ${error.message}`);
    throw error;
  }
}

/**
 * An answer a FHIR source gives that is not stored (Epic `$find`'s proposed slots): its literal
 * references turned into gateway references, as a poll would write them, so the caller can use them
 * in the next call (`$book`). Other sources' answers are passed on as they are.
 */
export function fhirOperationAnswer(connection: Connection, answer: unknown): unknown {
  const fhirBaseUrl = forwardOptionsFor(connection).fhirBaseUrl;
  if (fhirBaseUrl === undefined || answer === null || typeof answer !== 'object') return answer;
  const scope = { tenant: connection.tenant, connectionId: connection.id, source: connection.source };
  return rewriteFhirReferences(scope, answer as Resource, fhirBaseUrl);
}
