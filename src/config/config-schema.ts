import cron from 'node-cron';
import { z } from 'zod';

/**
 * Every setting the gateway reads, from the environment (and optionally a JSON file named
 * by CONFIG_FILE; the environment wins). Names here are the environment variable names,
 * so errors point at exactly what to fix.
 */
export const configSchema = z.object({
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
  /**
   * Earlier data-encryption keys, comma-separated (same encodings): they still open secrets
   * sealed before a rotation; `npm run rotate-key` re-seals those under DATA_ENCRYPTION_KEY.
   */
  DATA_ENCRYPTION_KEYS_PREVIOUS: z.string().optional(),
  /** Start simulated clinics in-process: `auto` = yes unless NODE_ENV=production. */
  DEMO: z.enum(['auto', 'on', 'off']).default('auto'),
  DEMO_TICK_MS: z.coerce.number().int().min(100).default(15_000),
  /** node-cron expression (with seconds) every connection without its own `cadence` polls at; default per source (docs/sync.md). */
  SYNC_CADENCE: z
    .string()
    .refine((text) => cron.validate(text), 'must be a node-cron expression, e.g. "*/30 * * * * *"')
    .optional(),
  /**
   * How long a connection's sync lease lasts without renewal: how soon another process takes
   * over polling from one that died (docs/scaling.md). Renewed after every page.
   */
  SYNC_LEASE_TTL_MS: z.coerce.number().int().min(1_000).default(120_000),
  /** How often the change tailer reads the change log when no commit of this process woke it (docs/subscriptions.md). */
  EVENTS_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /** How long a subscription stays silent before a heartbeat carries its cursor. */
  EVENTS_HEARTBEAT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  /** Live changes held per subscriber before a slow one is closed with RESYNC (bounds memory per subscriber). */
  EVENTS_BUFFER: z.coerce.number().int().min(10).max(100_000).default(1_000),
  /** JSON file declaring connections for headless deployments (docs/connectors.md). */
  CONNECTIONS_FILE: z.string().min(1).optional(),
  MAX_RESOURCE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(1024 * 1024),
});

/**
 * Rules between variables. They run on the raw values even when single fields are invalid,
 * so one start reports every problem at once.
 */
export function crossFieldProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const store = raw.STORE ?? 'sqlite';
  if (store === 'mongo' && !raw.MONGODB_URL) problems.push('MONGODB_URL: required when STORE=mongo');
  if (raw.NODE_ENV === 'production' && !raw.DATA_ENCRYPTION_KEY) {
    problems.push(
      'DATA_ENCRYPTION_KEY: required in production (32 bytes, base64 or hex); it is only generated in development',
    );
  }
  if (raw.DATA_ENCRYPTION_KEY !== undefined && decodeKey(String(raw.DATA_ENCRYPTION_KEY)) === undefined) {
    problems.push('DATA_ENCRYPTION_KEY: must be 32 bytes encoded as base64 (44 chars) or hex (64 chars)');
  }
  if (raw.DATA_ENCRYPTION_KEYS_PREVIOUS !== undefined) {
    const bad = splitKeyList(String(raw.DATA_ENCRYPTION_KEYS_PREVIOUS))
      .map((text, i) => (decodeKey(text) === undefined ? i + 1 : 0))
      .filter((position) => position > 0);
    // Positions only: the values are keys.
    if (bad.length > 0)
      problems.push(
        `DATA_ENCRYPTION_KEYS_PREVIOUS: entries ${bad.join(', ')} are not 32-byte keys in base64 or hex (comma-separated list)`,
      );
  }
  return problems;
}

export type RawConfig = z.infer<typeof configSchema>;

/** The entries of a comma-separated key list, blanks dropped. */
export const splitKeyList = (text: string): string[] =>
  text
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);

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
