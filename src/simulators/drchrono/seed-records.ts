import type { Catalog } from './catalog.ts';
import { completeRecord } from './shape.ts';
import type { ResourceStore } from './store.ts';
import { parseDrChronoTime } from './time-format.ts';
import { checkValue } from './validation.ts';

/**
 * Loads a seed file of native records: `{ "patients": [ {...}, ... ], "appointments": [...] }`.
 * Every problem is reported at once, by path and field (never by value: seeds may hold PHI).
 */
export function loadSeedRecords(
  seed: unknown,
  deps: { catalog: Catalog; stores: (resource: string) => ResourceStore | undefined; now: number },
): { loaded: number } {
  if (typeof seed !== 'object' || seed === null || Array.isArray(seed)) {
    throw new Error(
      'DrChrono seed records must be a JSON object of arrays keyed by resource (e.g. {"patients": [...]})',
    );
  }
  const problems: string[] = [];
  const accepted: { resource: string; id: number; record: Record<string, unknown>; updatedAt: number }[] = [];
  for (const [resource, items] of Object.entries(seed)) {
    const endpoint = deps.catalog.endpoint(resource);
    const store = endpoint ? deps.stores(deps.catalog.dataResource(endpoint)) : undefined;
    if (!endpoint || !store || endpoint.kind !== 'paged') {
      problems.push(`${resource}: not a DrChrono resource the simulator serves`);
      continue;
    }
    if (!Array.isArray(items)) {
      problems.push(`${resource}: must be an array of records`);
      continue;
    }
    const schema = deps.catalog.schemaOf(endpoint);
    items.forEach((item, i) => {
      const path = `${resource}[${i}]`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        problems.push(`${path}: must be an object`);
        return;
      }
      const record = item as Record<string, unknown>;
      const rawId = record.id;
      if (rawId !== undefined && !/^\d+$/.test(String(rawId))) {
        problems.push(`${path}.id: must be a positive integer (or a numeric string)`);
        return;
      }
      const before = problems.length;
      for (const name of schema?.required ?? []) {
        if (record[name] === undefined || record[name] === null || record[name] === '')
          problems.push(`${path}.${name}: required`);
      }
      for (const [name, value] of Object.entries(record)) {
        const spec = schema?.fields[name];
        if (!spec || name === 'id') continue;
        if (checkValue(spec, value))
          problems.push(
            `${path}.${name}: expected ${spec.enum ? 'one of the documented values' : spec.type}`,
          );
      }
      if (problems.length > before) return;
      const id = rawId === undefined ? store.allocateId() : Number(rawId);
      const updatedRaw =
        typeof record.updated_at === 'string' ? parseDrChronoTime(record.updated_at) : undefined;
      accepted.push({
        resource,
        id,
        record: completeRecord(schema, { ...record, id: endpoint.idType === 'string' ? String(id) : id }),
        updatedAt: updatedRaw ?? deps.now,
      });
    });
  }
  if (problems.length) {
    const shown = problems.slice(0, 20).join('; ');
    const more = problems.length > 20 ? ` (and ${problems.length - 20} more)` : '';
    throw new Error(`invalid DrChrono seed records: ${shown}${more}`);
  }
  for (const a of accepted) {
    const endpoint = deps.catalog.endpoint(a.resource);
    const store = endpoint && deps.stores(deps.catalog.dataResource(endpoint));
    store?.put(a.id, { record: a.record, updatedAt: a.updatedAt });
  }
  return { loaded: accepted.length };
}
