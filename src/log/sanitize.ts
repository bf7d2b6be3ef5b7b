import { MAX_SAFE_STRING, PHI_NUMBER_KEY, SAFE_STRING_KEYS } from './safe-fields.ts';

export const REDACTED = '[redacted]';
const MAX_DEPTH = 6;
const MAX_ITEMS = 20;
const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

/**
 * Errors whose message is written to logs. Store errors promise messages of ids, types and
 * limits only (errors.ts); any other error is logged by name, code and stack frames, because
 * messages of libraries and parsers quote the input they choke on.
 */
export const PHI_SAFE_MESSAGE = Symbol.for('fhir-gateway.phi-safe-message');

/**
 * The log-safe form of anything passed to the logger: ids, types, counts and codes survive;
 * a FHIR resource becomes `{resourceType, id}` (a Bundle also its entry count), a native
 * record keeps its `id` and loses every other text, an error keeps its name, code and stack
 * frames. An allow-list, not a deny-list: a field nobody thought of is redacted, at any depth.
 */
export function sanitize(value: unknown, key = '', depth = 0): unknown {
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint')
    return PHI_NUMBER_KEY.test(key) ? REDACTED : typeof value === 'bigint' ? String(value) : value;
  if (typeof value === 'string') return safeString(key, value);
  if (typeof value !== 'object') return REDACTED; // functions, symbols
  if (value instanceof Error) return serializeError(value, depth);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => sanitize(item, key, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `[${value.length - MAX_ITEMS} more]`] : items;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.resourceType === 'string') return summarizeResource(record);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = sanitize(v, k, depth + 1);
  return out;
}

function safeString(key: string, value: string): string {
  if (!SAFE_STRING_KEYS.has(key) || value.length > MAX_SAFE_STRING || /[\r\n]/.test(value)) return REDACTED;
  if (key === 'url') return withoutQuery(value);
  return value;
}

/** Query strings carry search values (`?name=Smith&birthdate=...`): only origin and path are kept. */
function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : `${url.slice(0, cut)}?${REDACTED}`;
}

function summarizeResource(resource: Record<string, unknown>): Record<string, unknown> {
  const summary: Record<string, unknown> = {
    resourceType: /^[A-Z][A-Za-z]{0,63}$/.test(String(resource.resourceType))
      ? resource.resourceType
      : REDACTED,
  };
  if (typeof resource.id === 'string') summary.id = FHIR_ID.test(resource.id) ? resource.id : REDACTED;
  if (Array.isArray(resource.entry)) summary.entries = resource.entry.length;
  if (typeof resource.total === 'number') summary.total = resource.total;
  return summary;
}

function serializeError(err: Error, depth: number): Record<string, unknown> {
  const e = err as Error & { code?: unknown; status?: unknown; statusCode?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { type: safeName(e.name) };
  if ((typeof e.code === 'string' && e.code.length <= 64) || typeof e.code === 'number') out.code = e.code;
  for (const k of ['status', 'statusCode'] as const) if (typeof e[k] === 'number') out[k] = e[k];
  out.message = (e as unknown as Record<symbol, unknown>)[PHI_SAFE_MESSAGE] === true ? e.message : REDACTED;
  // Frames only: the stack's first line repeats the message.
  if (typeof e.stack === 'string')
    out.stack = e.stack
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .join('\n');
  if (e.cause !== undefined && depth < MAX_DEPTH) out.cause = sanitize(e.cause, 'cause', depth + 1);
  return out;
}

const safeName = (name: unknown) =>
  typeof name === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name) ? name : 'Error';

/**
 * A log message is a constant written by a developer; values interpolated into it (`%s`,
 * `%d`, `%o`, `%j`) are not, so they are replaced before pino formats the line.
 */
export function safeMessage(template: string): string {
  return template.replace(/%[sdifjoO]/g, REDACTED);
}
