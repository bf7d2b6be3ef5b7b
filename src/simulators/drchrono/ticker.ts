import type { Clock } from '../common/clock.ts';
import type { Rng } from '../common/rng.ts';
import type { ResourceStore } from './store.ts';
import { applyEdits, type TickChanges } from './tick-changes.ts';
import { formatDateTime } from './time-format.ts';

/**
 * Life in the practice: each tick step either books a new appointment / registers a patient
 * (a copy of a generated record under a fresh id, so relations stay valid) or touches an
 * existing record of a trigger resource (new `updated_at`, a changed status or note).
 */
const TOUCHABLE = [
  'patients',
  'appointments',
  'patient_messages',
  'patient_payments',
  'lab_orders',
  'lab_documents',
  'documents',
  'line_items',
  'transactions',
  'comm_logs',
  'messages',
  'tasks',
  'task_notes',
  'inventory_vaccines',
  'prescription_messages',
  'fee_schedules',
] as const;
const CREATABLE = ['patients', 'appointments', 'tasks', 'messages', 'comm_logs', 'patient_payments'] as const;
const STATUS_FLOW = ['Confirmed', 'Arrived', 'Checked In', 'In Room', 'In Session', 'Complete'];

export type Ticker = {
  /** `count` random steps of practice life. */
  tick(count: number): { created: number; updated: number };
  /**
   * `count` changes to one resource: an append-only one (audit log) gets new records, any other
   * has existing records touched with its edits. Undefined when the practice holds no such records.
   */
  tickResource(
    resource: string,
    count: number,
    change?: TickKind,
  ): { created: number; updated: number } | undefined;
};

/**
 * `edit` (the default): what `tickResource` does by the resource's data; `archive`: the practice
 * archives records (a device removed from the chart, a signature or form withdrawn) by the flag the
 * data names. Undefined from `tickResource` when nothing can take that change.
 */
export type TickKind = 'edit' | 'archive';

export function createTicker(deps: {
  stores: (resource: string) => ResourceStore | undefined;
  clock: Clock;
  rng: Rng;
  shape: (resource: string, record: Record<string, unknown>) => Record<string, unknown>;
  changes: TickChanges;
}): Ticker {
  const now = () => Math.floor(deps.clock() / 1000) * 1000;

  /** A copy of a random record under a fresh id (so relations stay valid), stamped now. */
  const create = (resource: string): boolean => {
    const store = deps.stores(resource);
    const templateId = store?.randomId(deps.rng.next);
    const template = templateId === undefined ? undefined : store?.get(templateId)?.record;
    if (!store || !template) return false;
    const at = now();
    const id = store.allocateId();
    const record = deps.shape(resource, {
      ...template,
      id: typeof template.id === 'string' ? String(id) : id,
      ...('created_at' in template ? { created_at: formatDateTime(at) } : {}),
      ...('updated_at' in template ? { updated_at: formatDateTime(at) } : {}),
      ...(resource === 'appointments'
        ? { scheduled_time: formatDateTime(at + deps.rng.int(1, 14) * 86_400_000), status: 'Confirmed' }
        : {}),
    });
    store.put(id, { record, updatedAt: at });
    return true;
  };

  /** A random existing record, stamped now, with the resource's edits. */
  const touch = (resource: string): boolean => {
    const store = deps.stores(resource);
    const id = store?.randomId(deps.rng.next);
    const entry = id === undefined ? undefined : store?.get(id);
    if (!store || id === undefined || !entry) return false;
    const at = now();
    const record = applyEdits({ ...entry.record }, deps.changes.edits[resource]);
    if ('updated_at' in record) record.updated_at = formatDateTime(at);
    if ('timestamp' in record) record.timestamp = formatDateTime(at);
    if (resource === 'appointments') record.status = deps.rng.pick(STATUS_FLOW);
    if (resource === 'patients')
      record.cell_phone = `555-${deps.rng.int(200, 999)}-${deps.rng.int(1000, 9999)}`;
    store.put(id, { record, updatedAt: at });
    return true;
  };

  /** A random record not archived yet, archived now (the flag set, stamped). */
  const archive = (resource: string, flag: string): boolean => {
    const store = deps.stores(resource);
    const live = [...(store?.scan() ?? [])].filter(([, entry]) => entry.record[flag] !== true);
    if (!store || live.length === 0) return false;
    const [id, entry] = deps.rng.pick(live);
    const at = now();
    const record: Record<string, unknown> = { ...entry.record, [flag]: true };
    if ('updated_at' in record) record.updated_at = formatDateTime(at);
    store.put(id, { record, updatedAt: at });
    return true;
  };

  return {
    tick(count) {
      let created = 0;
      let updated = 0;
      for (let n = 0; n < count; n++) {
        // Only resources that hold records can serve as templates or be touched.
        const creatable = CREATABLE.filter((r) => (deps.stores(r)?.size() ?? 0) > 0);
        const touchable = TOUCHABLE.filter((r) => (deps.stores(r)?.size() ?? 0) > 0);
        if (creatable.length && (deps.rng.chance(0.35) || !touchable.length)) {
          if (create(deps.rng.pick(creatable))) created++;
        } else if (touchable.length) {
          if (touch(deps.rng.pick(touchable))) updated++;
        }
      }
      return { created, updated };
    },
    tickResource(resource, count, change = 'edit') {
      if ((deps.stores(resource)?.size() ?? 0) === 0) return undefined;
      if (change === 'archive') {
        const flag = deps.changes.archive[resource];
        if (flag === undefined) return undefined;
        let updated = 0;
        for (let n = 0; n < count; n++) updated += archive(resource, flag) ? 1 : 0;
        return updated > 0 ? { created: 0, updated } : undefined;
      }
      const append = deps.changes.appendOnly.includes(resource);
      let created = 0;
      let updated = 0;
      for (let n = 0; n < count; n++) {
        if (append) created += create(resource) ? 1 : 0;
        else updated += touch(resource) ? 1 : 0;
      }
      return { created, updated };
    },
  };
}
