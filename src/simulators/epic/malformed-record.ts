import type { Resource } from './fhir-types.ts';

/** Complex elements a corrupted record turns into bare strings, first present wins. */
const COMPLEX_ELEMENTS = ['subject', 'name', 'participant', 'code', 'period', 'address', 'practitioner'];

/**
 * A structurally broken copy of a record, as a real feed occasionally sends: an invalid
 * `meta.lastUpdated` and a complex element flattened to a string. The id is kept so the
 * consumer can quarantine the record by identity.
 */
export function corruptRecord(resource: Resource): Resource {
  const copy: Resource = structuredClone(resource);
  copy.meta = { ...(copy.meta ?? {}), lastUpdated: 'yesterday' };
  const element = COMPLEX_ELEMENTS.find((e) => copy[e] !== undefined);
  if (element) copy[element] = '<<corrupted>>';
  return copy;
}
