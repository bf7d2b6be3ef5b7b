import type { z } from 'zod';
import { SourceError } from '../connector.ts';

/** Parses a stored connection config; a bad one is `rejected` naming the fields, not their values. */
export function parseConnectionConfig<T>(schema: z.ZodType<T>, config: unknown, source: string): T {
  const parsed = schema.safeParse(config);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
  throw new SourceError('rejected', `${source} connection config is invalid: ${fields}`);
}
