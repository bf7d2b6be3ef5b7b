import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema, crossFieldProblems, type RawConfig } from './config-schema.ts';

export type Config = RawConfig & { SQLITE_PATH: string };

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Reads the configuration from `env` (and the JSON file CONFIG_FILE names, if any) and
 * reports every problem at once, each with its variable name.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const fromFile = env.CONFIG_FILE ? readConfigFile(env.CONFIG_FILE) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const parsed = configSchema.safeParse(merged);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)),
    ...crossFieldProblems(merged),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return { ...parsed.data, SQLITE_PATH: parsed.data.SQLITE_PATH ?? join(parsed.data.DATA_DIR, 'gateway.db') };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError([`CONFIG_FILE: cannot read ${path}`]);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new ConfigError([`CONFIG_FILE: ${path} is not a JSON object`]);
  }
}
