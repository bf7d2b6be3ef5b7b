import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * A checker for the JSON Schema subset the JDP OpenAPI uses in responses: type (incl. type
 * arrays with "null" and 3.0 `nullable`), required, properties, additionalProperties: false,
 * enum, const, items, $ref, allOf/anyOf/oneOf, formats (uuid, date, date-time, email, uri),
 * pattern, minimum/maximum, maxLength. It returns every violation with its JSON path.
 */
type Schema = Record<string, unknown>;
export type OpenApiDoc = {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
};

export const JANE_OPENAPI_PATH = fileURLToPath(
  new URL('../fixtures/vendor/jane-jdp-openapi.yml', import.meta.url),
);

export function loadOpenApi(path = JANE_OPENAPI_PATH): OpenApiDoc {
  return parse(readFileSync(path, 'utf8')) as OpenApiDoc;
}

const FORMATS: Record<string, (v: string) => boolean> = {
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  'date-time': (v) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) &&
    !Number.isNaN(Date.parse(v)),
  email: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v),
  uri: (v) => URL.canParse(v),
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function validate(doc: OpenApiDoc, schema: Schema, value: unknown, path = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (!target) return [`${path}: unresolvable $ref ${schema.$ref}`];
    return validate(doc, target, value, path);
  }
  const errors: string[] = [];
  const allowed = Array.isArray(schema.type)
    ? (schema.type as string[])
    : schema.type
      ? [schema.type as string]
      : [];
  if (schema.nullable === true) allowed.push('null');
  const actual = typeOf(value);
  if (allowed.length && !allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number'))) {
    return [`${path}: expected ${allowed.join('|')}, got ${actual}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ('const' in schema && schema.const !== value)
    errors.push(`${path}: expected const ${JSON.stringify(schema.const)}`);
  for (const sub of (schema.allOf as Schema[] | undefined) ?? [])
    errors.push(...validate(doc, sub, value, path));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key] as Schema[] | undefined;
    if (options && !options.some((s) => validate(doc, s, value, path).length === 0))
      errors.push(`${path}: matches no ${key} option`);
  }
  if (typeof value === 'string') {
    const format = schema.format as string | undefined;
    if (format && FORMATS[format] && !FORMATS[format](value)) errors.push(`${path}: not a valid ${format}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value))
      errors.push(`${path}: does not match ${schema.pattern}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      errors.push(`${path}: longer than ${schema.maxLength}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      errors.push(`${path}: above ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      errors.push(...validate(doc, schema.items as Schema, item, `${path}[${i}]`));
    });
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const req of (schema.required as string[] | undefined) ?? []) {
      if (!(req in obj)) errors.push(`${path}: missing required ${req}`);
    }
    for (const [key, v] of Object.entries(obj)) {
      const sub = props[key];
      if (sub) errors.push(...validate(doc, sub, v, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${key}`);
    }
  }
  return errors;
}

/** The response schema of an operation, e.g. ('/api/2026-01-01/patients', 'get', 200). */
export function responseSchema(doc: OpenApiDoc, path: string, method: string, status: number): Schema {
  const op = doc.paths[path]?.[method.toLowerCase()] as
    | { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }
    | undefined;
  const schema = op?.responses?.[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no JSON schema for ${method} ${path} ${status}`);
  return schema;
}
