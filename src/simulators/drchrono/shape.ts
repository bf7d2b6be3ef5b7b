import type { FieldSpec, RecordSchema } from './catalog.ts';

export type Shaper = (record: Record<string, unknown>) => Record<string, unknown>;

/** A schema with its record shapers compiled once (they run on every record a list serves). */
export type CompiledSchema = RecordSchema & {
  complete: Shaper;
  /** Drops verbose-only fields. */
  concise: Shaper;
};

export function compileSchema(schema: RecordSchema): CompiledSchema {
  const hidden = new Set(schema.verbose);
  return {
    ...schema,
    complete: compileCompleter(schema),
    concise: (r) => {
      const out: Record<string, unknown> = {};
      for (const name in r) if (!hidden.has(name)) out[name] = r[name];
      return out;
    },
  };
}

/**
 * Gives a native record the full shape its schema declares: every field present (empty
 * value of its type when the generator or a client left it out) and scalar types as the
 * OpenAPI declares them (e.g. ids the spec types as strings are sent as strings).
 */
export function completeRecord(
  schema: CompiledSchema | undefined,
  record: Record<string, unknown>,
): Record<string, unknown> {
  return schema ? schema.complete(record) : record;
}

function compileCompleter(schema: RecordSchema): Shaper {
  const fields = Object.entries(schema.fields).map(([name, spec]) => ({
    name,
    spec,
    empty: emptyValue(spec),
  }));
  const known = new Set(fields.map((f) => f.name));
  return (record) => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const value = record[f.name];
      out[f.name] = value === undefined ? (Array.isArray(f.empty) ? [] : f.empty) : coerce(f.spec, value);
    }
    // Fields beyond the schema (extra facts like exam room lists) are kept as given.
    for (const name in record) if (!known.has(name)) out[name] = record[name];
    return out;
  };
}

function emptyValue(spec: FieldSpec): unknown {
  // An enum's empty value is its blank choice ('' or e.g. "blank"), else its first (default) one.
  if (spec.enum && spec.type !== 'array') return spec.enum.includes('') ? '' : spec.enum[0];
  switch (spec.type) {
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return null;
  }
}

function coerce(spec: FieldSpec, value: unknown): unknown {
  if (value === null) return null;
  if (spec.type === 'string' && (typeof value === 'number' || typeof value === 'boolean'))
    return String(value);
  if (
    (spec.type === 'integer' || spec.type === 'number') &&
    typeof value === 'string' &&
    value.trim() !== ''
  ) {
    const n = Number(value);
    if (Number.isFinite(n) && (spec.type === 'number' || Number.isInteger(n))) return n;
  }
  return value;
}

/** What a client sees: verbose-only fields are dropped unless `verbose=true`. */
export function presentRecord(
  schema: CompiledSchema | undefined,
  record: Record<string, unknown>,
  verbose: boolean,
): Record<string, unknown> {
  if (verbose || !schema || schema.verbose.length === 0) return record;
  return schema.concise(record);
}
