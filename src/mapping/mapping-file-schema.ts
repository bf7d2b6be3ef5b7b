import { z } from 'zod';
import { SOURCE_SYSTEMS } from '../fhir/identity.ts';

const expression = z.string().regex(/^=[^=]/, 'must be a FHIRPath expression starting with "="');
/** Same rule as connection ids and source types (docs/identity.md): it ends up in URNs and ids. */
const safeName = z.string().regex(/^[A-Za-z0-9._~-]{1,64}$/, 'must match [A-Za-z0-9._~-]{1,64}');

/** The top level of `mappings/<source>/*.yaml`; the template itself is checked by compile-template.ts. */
export const mappingFileSchema = z.strictObject({
  source: z.enum(SOURCE_SYSTEMS),
  entity: safeName,
  target: z.string().regex(/^[A-Z][A-Za-z]+$/, 'must be a FHIR resource type'),
  id: expression,
  qualifier: expression.nullish(),
  /** One resource per item of this expression (`%item`, `%index` in qualifier and template). */
  each: expression.nullish(),
  when: expression.nullish(),
  conceptMaps: z.array(z.string().min(1)).default([]),
  /** Rewrite literal FHIR references (`Type/id`) to gateway references: for FHIR sources (Epic). */
  rewriteReferences: z.boolean().default(false),
  template: z.union([z.record(z.string(), z.unknown()), expression]),
  reverse: z.strictObject({ template: z.record(z.string(), z.unknown()) }).optional(),
});
export type MappingFile = z.infer<typeof mappingFileSchema>;

/** `mappings/fragments/<name>.yaml`. */
export const fragmentFileSchema = z.strictObject({
  /** Parameter names; when absent, every `%name` the fragment reads (except %record) is one. */
  params: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a FHIRPath identifier')).optional(),
  template: z
    .unknown()
    .refine((value) => value !== undefined && value !== null, 'a fragment needs a template'),
});
export type FragmentFile = z.infer<typeof fragmentFileSchema>;
