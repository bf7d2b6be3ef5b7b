import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiKeyService } from '../auth/api-keys.ts';
import { AuthError } from '../auth/auth-error.ts';
import { SCOPES } from '../auth/scopes.ts';
import type { ExampleQuery } from '../server/graphql-server.ts';
import type { Store } from '../store/port.ts';

/** The tenant demo mode syncs the simulated clinics into and serves to its key. */
export const DEMO_TENANT = 'demo';
export const DEMO_KEY_FILE = 'demo-api-key';

/**
 * The demo tenant and a key for it, every scope, kept in `$DATA_DIR/demo-api-key` (mode 0600)
 * so it stays the same across restarts; a key that no longer works (revoked, or the store was
 * reset) is replaced. Demo data is synthetic, so printing this key is fine; it is never made
 * outside demo mode.
 */
export async function ensureDemoApiKey(deps: {
  store: Pick<Store, 'tenants'>;
  keys: ApiKeyService;
  dataDir: string;
}): Promise<{ token: string; file: string; created: boolean }> {
  await deps.store.tenants.ensure(DEMO_TENANT, 'Demo clinics (synthetic data)');
  const file = join(deps.dataDir, DEMO_KEY_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    try {
      const caller = await deps.keys.authenticate(`Bearer ${token}`);
      if (caller.tenant === DEMO_TENANT) return { token, file, created: false };
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
    }
  }
  const { token } = await deps.keys.create({ tenant: DEMO_TENANT, scopes: SCOPES, label: 'demo mode' });
  mkdirSync(deps.dataDir, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file, created: true };
}

/** The example queries GraphiQL opens with in demo mode: the .graphql files beside this one. */
export function loadGraphiQLExamples(dir = join(import.meta.dirname, 'graphiql-examples')): ExampleQuery[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => ({ name: f.replace(/\.graphql$/, ''), query: readFileSync(join(dir, f), 'utf8') }));
}
