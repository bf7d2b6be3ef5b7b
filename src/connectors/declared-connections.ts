import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Store } from '../store/port.ts';
import { mappingSettingsSchema } from './common/mapping-settings.ts';
import { ensureEpicConnection } from './connection-setup.ts';

/**
 * Connections declared in a file, for headless deployments with no one to click through a
 * consent page. Secrets are never written in the file: each names the environment variable
 * that holds it (`{ "env": "JANE_REFRESH_TOKEN" }`). OAuth sources start from a refresh token
 * obtained once elsewhere; Epic needs none (the gateway makes the key pair and publishes it).
 *
 * Applying is idempotent and safe on every start: an OAuth connection is only (re)written when
 * the declared refresh token changed, so the rotated tokens the gateway stored are kept.
 */
const fromEnv = z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) });
const ids = {
  tenant: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/),
  id: z.string().regex(/^[A-Za-z0-9._~-]{1,64}$/),
};
const declarationSchema = z.discriminatedUnion('source', [
  z.object({
    ...ids,
    source: z.literal('jane'),
    ...mappingSettingsSchema.shape,
    clinicUrl: z.url(),
    tokenUrl: z.url(),
    clientId: z.string().min(1),
    clientSecret: fromEnv,
    refreshToken: fromEnv,
  }),
  z.object({
    ...ids,
    source: z.literal('drchrono'),
    ...mappingSettingsSchema.shape,
    baseUrl: z.url(),
    tokenUrl: z.url().optional(),
    clientId: z.string().min(1),
    clientSecret: fromEnv,
    refreshToken: fromEnv,
  }),
  z.object({
    ...ids,
    source: z.literal('epic'),
    fhirBaseUrl: z.url(),
    tokenUrl: z.url(),
    clientId: z.string().min(1),
    groupId: z.string().min(1),
  }),
]);
export const declaredConnectionsSchema = z.object({ connections: z.array(declarationSchema) });
export type DeclaredConnections = z.infer<typeof declaredConnectionsSchema>;

export class DeclaredConnectionsError extends Error {
  override name = 'DeclaredConnectionsError';
}

/** Reads and validates the file; every problem at once, by path (never a value). */
export function loadDeclaredConnections(path: string): DeclaredConnections {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DeclaredConnectionsError(
      `CONNECTIONS_FILE ${path}: cannot read it as JSON (${(err as Error).name})`,
    );
  }
  const parsed = declaredConnectionsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DeclaredConnectionsError(`CONNECTIONS_FILE ${path}:\n  - ${problems.join('\n  - ')}`);
  }
  return parsed.data;
}

export async function applyDeclaredConnections(
  store: Store,
  declared: DeclaredConnections,
  env: Record<string, string | undefined>,
  now: number,
): Promise<{ created: string[]; kept: string[] }> {
  const missing = declared.connections.flatMap((c) =>
    c.source === 'epic' ? [] : [c.clientSecret.env, c.refreshToken.env].filter((name) => !env[name]),
  );
  if (missing.length > 0)
    throw new DeclaredConnectionsError(
      `CONNECTIONS_FILE: environment variables not set: ${[...new Set(missing)].join(', ')}`,
    );
  const created: string[] = [];
  const kept: string[] = [];
  for (const c of declared.connections) {
    await store.tenants.ensure(c.tenant);
    const name = `${c.tenant}/${c.id}`;
    if (c.source === 'epic') {
      const existed = await store.connections.get(c.tenant, c.id);
      await ensureEpicConnection(store, { ...c, now });
      (existed ? kept : created).push(name);
      continue;
    }
    const refreshToken = env[c.refreshToken.env] ?? '';
    const declaredHash = createHash('sha256').update(refreshToken).digest('hex');
    const existing = await store.connections.get(c.tenant, c.id);
    if (existing?.config.declaredRefreshTokenHash === declaredHash) {
      kept.push(name);
      continue;
    }
    const { tenant, id, source, clientSecret, refreshToken: _ref, ...settings } = c;
    await store.connections.put(
      {
        tenant,
        id,
        source,
        config: { ...settings, state: 'active', declaredRefreshTokenHash: declaredHash },
      },
      // No access token yet: the first request refreshes (and stores the rotated refresh token).
      { clientSecret: env[clientSecret.env] ?? '', refreshToken, accessExpiresAt: '0' },
    );
    created.push(name);
  }
  return { created, kept };
}
