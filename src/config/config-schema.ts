import { z } from 'zod';

/**
 * Every setting the gateway reads, from the environment (and optionally a JSON file named
 * by CONFIG_FILE; the environment wins). Names here are the environment variable names,
 * so errors point at exactly what to fix.
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().min(1).default('./data'),
    STORE: z.enum(['sqlite', 'mongo']).default('sqlite'),
    SQLITE_PATH: z.string().min(1).optional(),
    MONGODB_URL: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL')
      .optional(),
    /** 32 bytes, base64 or hex: the AES-256-GCM key for secrets at rest. */
    DATA_ENCRYPTION_KEY: z.string().optional(),
    MAX_RESOURCE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
  })
  .superRefine((c, ctx) => {
    if (c.STORE === 'mongo' && !c.MONGODB_URL) {
      ctx.addIssue({ code: 'custom', path: ['MONGODB_URL'], message: 'required when STORE=mongo' });
    }
    if (c.NODE_ENV === 'production' && !c.DATA_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATA_ENCRYPTION_KEY'],
        message: 'required in production (32 bytes, base64 or hex); it is only generated in development',
      });
    }
    if (c.DATA_ENCRYPTION_KEY !== undefined && decodeKey(c.DATA_ENCRYPTION_KEY) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATA_ENCRYPTION_KEY'],
        message: 'must be 32 bytes encoded as base64 (44 chars) or hex (64 chars)',
      });
    }
  });

export type RawConfig = z.infer<typeof configSchema>;

/** Decodes a 32-byte key from hex or base64; undefined when it is neither. */
export function decodeKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === 32) return key;
  }
  return undefined;
}
