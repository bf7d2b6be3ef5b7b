/**
 * A small checker for the OpenAPI subset DrChrono's spec uses (type, required, enum,
 * nullable, $ref, arrays, properties), so conformance tests can validate simulator
 * answers against the vendor document. `nullAsAbsent` accepts null for optional properties:
 * the vendor spec marks almost nothing nullable while the API sends null for empty values.
 */
export type OpenApiSchema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  required?: string[];
  enum?: unknown[];
  nullable?: boolean;
};

export type CheckOptions = {
  components: Record<string, OpenApiSchema>;
  nullAsAbsent?: boolean;
  /** Property paths (`Schema.field`) where the simulator knowingly differs from the spec. */
  allowedDeviations?: readonly string[];
};

export function checkAgainstSchema(
  value: unknown,
  schema: OpenApiSchema,
  options: CheckOptions,
  path = '$',
): string[] {
  return check(value, schema, options, path, undefined);
}

function resolve(schema: OpenApiSchema, options: CheckOptions): { schema: OpenApiSchema; name?: string } {
  if (!schema.$ref) return { schema };
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = options.components[name];
  if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
  return { schema: target, name };
}

function check(
  value: unknown,
  raw: OpenApiSchema,
  options: CheckOptions,
  path: string,
  owner: string | undefined,
): string[] {
  const { schema, name } = resolve(raw, options);
  const schemaName = name ?? owner;
  if (value === null)
    return schema.nullable ? [] : [`${path}: null where ${schema.type ?? 'a value'} is required`];
  const errors: string[] = [];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') errors.push(`${path}: expected string, got ${typeof value}`);
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value))
        errors.push(`${path}: expected integer, got ${JSON.stringify(value)}`);
      break;
    case 'number':
      if (typeof value !== 'number') errors.push(`${path}: expected number, got ${typeof value}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: expected boolean, got ${typeof value}`);
      break;
    case 'array':
      if (!Array.isArray(value)) {
        errors.push(`${path}: expected array, got ${typeof value}`);
        return errors;
      }
      // The vendor spec puts some enums on array types; they constrain the items.
      for (const v of schema.enum ? value : []) {
        if (!schema.enum?.includes(v)) errors.push(`${path}: ${JSON.stringify(v)} not in enum`);
      }
      if (schema.items) {
        const items = schema.items;
        value.forEach((v, i) => {
          errors.push(...check(v, items, options, `${path}[${i}]`, schemaName));
        });
      }
      return errors;
    case 'object':
    case undefined:
      if (schema.properties && (typeof value !== 'object' || Array.isArray(value))) {
        errors.push(`${path}: expected object, got ${Array.isArray(value) ? 'array' : typeof value}`);
        return errors;
      }
      break;
  }
  if (errors.length) return errors;
  if (schema.enum && !schema.enum.some((e) => e === value))
    errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (schema.properties && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const req of schema.required ?? []) {
      if (!(req in record)) errors.push(`${path}.${req}: required property missing`);
    }
    for (const [prop, sub] of Object.entries(schema.properties)) {
      if (!(prop in record)) continue;
      if (name && options.allowedDeviations?.includes(`${name}.${prop}`)) continue;
      const v = record[prop];
      if (v === null && options.nullAsAbsent && !(schema.required ?? []).includes(prop)) continue;
      errors.push(...check(v, sub, options, `${path}.${prop}`, schemaName));
    }
  }
  return errors;
}
