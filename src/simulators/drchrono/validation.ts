import type { FieldSpec, RecordSchema } from './catalog.ts';

/** DRF-style field errors: `{"field": ["This field is required."]}`. */
export type FieldErrors = Record<string, string[]>;

/**
 * Checks a create/update body against the schema: required fields (on create and PUT),
 * scalar types and enums of writable fields. Read-only fields are ignored, as DRF does.
 */
export function validateWrite(
  schema: RecordSchema | undefined,
  body: unknown,
  mode: 'create' | 'replace' | 'patch',
): { ok: true; values: Record<string, unknown> } | { ok: false; errors: FieldErrors } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      ok: false,
      errors: { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] },
    };
  }
  const input = body as Record<string, unknown>;
  if (!schema) return { ok: true, values: { ...input } };
  const errors: FieldErrors = {};
  const values: Record<string, unknown> = {};
  if (mode !== 'patch') {
    for (const name of schema.required) {
      const spec = schema.fields[name];
      if (spec?.readOnly) continue;
      const v = input[name];
      if (v === undefined || v === null || v === '') errors[name] = ['This field is required.'];
    }
  }
  for (const [name, value] of Object.entries(input)) {
    const spec = schema.fields[name];
    if (!spec || spec.readOnly) continue;
    if (errors[name]) continue;
    const problem = checkValue(spec, value);
    if (problem) errors[name] = [problem];
    else values[name] = value;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, values };
}

export function checkValue(spec: FieldSpec, value: unknown): string | undefined {
  if (value === null) return undefined;
  switch (spec.type) {
    case 'integer':
      if (typeof value === 'number' ? !Number.isInteger(value) : !/^-?\d+$/.test(String(value)))
        return 'A valid integer is required.';
      break;
    case 'number':
      if (!Number.isFinite(Number(value)) || typeof value === 'boolean') return 'A valid number is required.';
      break;
    case 'boolean':
      if (typeof value !== 'boolean' && !['true', 'false', '1', '0'].includes(String(value)))
        return 'Must be a valid boolean.';
      break;
    case 'array':
      if (!Array.isArray(value)) return `Expected a list of items but got type "${typeof value}".`;
      if (spec.enum) {
        const bad = value.find((v) => !spec.enum?.includes(String(v)));
        if (bad !== undefined) return `"${String(bad)}" is not a valid choice.`;
      }
      return undefined;
    case 'string':
      if (typeof value === 'object') return 'Not a valid string.';
      break;
    default:
      break;
  }
  if (spec.enum && !spec.enum.includes(String(value))) return `"${String(value)}" is not a valid choice.`;
  return undefined;
}
