import type { Resource } from 'fhir/r4';
import { mappingSettingsOf } from '../connectors/common/mapping-settings.ts';
import { batchReferenceResolver } from '../mapping/batch-references.ts';
import type { ForwardOptions } from '../mapping/mapping-set.ts';
import type { Connection } from '../store/port.ts';

/**
 * What the mapping needs to know about a connection (ForwardOptions): its time zone and currency
 * (connection config, see connectors/common/mapping-settings.ts) and, for a FHIR source (Epic),
 * its base URL (absolute references to it are rewritten) and a resolver of conditional references
 * (`Practitioner?identifier=system|value`) over the resources of the page being mapped.
 */
export function connectionForwardOptions(connection: Connection): ForwardOptions {
  const { timeZone, currency } = mappingSettingsOf(connection);
  const base = connection.config.fhirBaseUrl ?? connection.config.baseUrl;
  return {
    ...(connection.source === 'epic' && typeof base === 'string' ? { fhirBaseUrl: base } : {}),
    ...(timeZone ? { timeZone } : {}),
    ...(currency ? { currency } : {}),
  };
}

/** The options for one page: a FHIR source's references resolve against the page's resources. */
export function pageForwardOptions(
  connection: Connection,
  options: ForwardOptions,
  records: readonly unknown[],
): ForwardOptions {
  if (connection.source !== 'epic') return options;
  const entries = records.flatMap((record) => (isResource(record) ? [{ resource: record }] : []));
  return { ...options, resolveReference: batchReferenceResolver(entries) };
}

function isResource(record: unknown): record is Resource {
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof (record as { resourceType?: unknown }).resourceType === 'string'
  );
}
