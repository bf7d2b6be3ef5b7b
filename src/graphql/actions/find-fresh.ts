import type { Resource } from 'fhir/r4';
import { FindError, readThrough } from '../../actions/find/read-through.ts';
import type { GatewayContext } from '../context.ts';
import { fhirGraphQLError } from '../errors.ts';

/** `X(id, fresh: true)`: the read-through find, its failures as GraphQL errors with an OperationOutcome. */
export async function findFresh(context: GatewayContext, type: string, id: string): Promise<Resource> {
  if (!context.sources)
    throw fhirGraphQLError(
      'fresh reads need the connectors, which this process does not run',
      'not-supported',
    );
  try {
    const resource = await readThrough(
      { ...context.sources, store: context.store },
      { tenant: context.caller.tenant, type, id },
    );
    // Later fields of this request must see the refreshed copy, not one loaded before it.
    context.loaders.resource.clear(`${type}/${id}`);
    context.roots.push(resource);
    return resource;
  } catch (error) {
    if (error instanceof FindError) throw fhirGraphQLError(error.message, error.issueCode);
    throw error;
  }
}
