import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type CompiledSchema, compileSchema } from './shape.ts';

/**
 * The DrChrono endpoint catalog: one row per `/api/<resource>` (facts taken from the v4
 * OpenAPI: methods, scopes, list filters, required params) plus the schema facts the
 * generic handler needs (field types, read-only, verbose-only, enums, required on create).
 * Both live as JSON in ./data so adding an endpoint is a data change, not code.
 */

const filterSchema = z.object({
  /** eq: field equals value; iexact: case-insensitive; since: updated on/after a DATE;
   *  datetimeGte: field ≥ value; date: the field's date part equals; dateRange: start/end inclusive. */
  match: z.enum(['eq', 'iexact', 'since', 'datetimeGte', 'date', 'dateRange']),
  field: z.string().optional(),
});

const endpointSchema = z.object({
  resource: z.string().regex(/^[a-z0-9_]+$/),
  path: z.string().startsWith('/api/'),
  schema: z.string().nullable(),
  /** paged: `{previous,results,next}` lists; bulk: `*_list` uuid jobs; lookup: GET by required params. */
  kind: z.enum(['paged', 'bulk', 'lookup']),
  idType: z.enum(['integer', 'string']),
  collectionMethods: z.array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])),
  itemMethods: z.array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])),
  scopes: z.array(z.string()),
  filters: z.record(z.string(), filterSchema),
  /** Query switches that are not filters (verbose, allow_duplicates, show_archived...). */
  flags: z.array(z.string()),
  requiredParams: z.array(z.string()),
  /** At least one of these params must be present on a list (appointments, audit_log). */
  requireOneOf: z.array(z.string()),
  since: z.boolean(),
  updatedSince: z.boolean(),
  /** One of the 23 "new or updated" polling triggers of the connector catalog. */
  trigger: z.boolean(),
  subactions: z.record(z.string(), z.array(z.string())).optional(),
  bulkOf: z.string().optional(),
  /** Serves the records of another row (patients_summary → patients). */
  dataOf: z.string().optional(),
  verbosePageSize: z.number().int().positive().optional(),
  maxDateRangeDays: z.number().int().positive().optional(),
  /** DELETE flags the record instead of removing it; hidden from lists unless the named param is set. */
  softDelete: z.object({ field: z.string(), hiddenUnless: z.string().optional() }).optional(),
  /** A resource that records hard deletes of this one (line_items → line_item_deletions). */
  deletionLog: z.string().optional(),
});

const fieldSchema = z.object({
  type: z.enum(['string', 'integer', 'number', 'boolean', 'array', 'object', 'any']),
  readOnly: z.boolean().optional(),
  nullable: z.boolean().optional(),
  enum: z.array(z.string()).optional(),
  ref: z.string().optional(),
  items: z.string().optional(),
});

const recordSchema = z.object({
  required: z.array(z.string()),
  verbose: z.array(z.string()),
  fields: z.record(z.string(), fieldSchema),
});

export type FilterSpec = z.infer<typeof filterSchema>;
export type Endpoint = z.infer<typeof endpointSchema>;
export type FieldSpec = z.infer<typeof fieldSchema>;
export type RecordSchema = z.infer<typeof recordSchema>;

export type Catalog = {
  endpoints: readonly Endpoint[];
  endpoint(resource: string): Endpoint | undefined;
  schemaOf(endpoint: Endpoint): CompiledSchema | undefined;
  /** The resource whose records an endpoint serves (itself unless `dataOf`/`bulkOf`). */
  dataResource(endpoint: Endpoint): string;
};

export function parseCatalog(endpointsJson: unknown, schemasJson: unknown): Catalog {
  const endpoints = z.array(endpointSchema).parse(endpointsJson);
  const parsed = z.record(z.string(), recordSchema).parse(schemasJson);
  const schemas: Record<string, CompiledSchema> = {};
  for (const [name, schema] of Object.entries(parsed)) schemas[name] = compileSchema(schema);
  const byResource = new Map(endpoints.map((e) => [e.resource, e]));
  for (const e of endpoints) {
    if (e.schema && !schemas[e.schema])
      throw new Error(`catalog: ${e.resource} names unknown schema ${e.schema}`);
    for (const target of [e.dataOf, e.bulkOf]) {
      if (target && !byResource.has(target))
        throw new Error(`catalog: ${e.resource} points at unknown ${target}`);
    }
  }
  return {
    endpoints,
    endpoint: (resource) => byResource.get(resource),
    schemaOf: (e) => (e.schema ? schemas[e.schema] : undefined),
    dataResource: (e) => e.dataOf ?? e.bulkOf ?? e.resource,
  };
}

export function loadCatalog(): Catalog {
  const read = (name: string): unknown =>
    JSON.parse(readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8'));
  return parseCatalog(read('endpoints.json'), read('schemas.json'));
}
