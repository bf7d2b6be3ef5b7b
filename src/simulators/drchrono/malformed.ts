/**
 * The malformed-record fault: one record of a page comes back broken the way real feeds
 * break (impossible dates, a reference that is not a number, a missing enum value), keeping
 * its id so a consumer can quarantine it by id.
 */
export function corruptRecord(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record };
  for (const [key, value] of Object.entries(out)) {
    if (key === 'id') continue;
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) out[key] = '0000-00-00T25:61:00';
    else if (typeof value === 'number') out[key] = 'NaN';
  }
  if ('gender' in out) out.gender = 'Unknown-Value';
  if ('status' in out) out.status = 7;
  return out;
}
