import type { Connection, Store } from '../../store/port.ts';

/**
 * A connection's visible state, kept in its (non-secret) config so the operations view and the
 * connect pages can show it: `needs_reauth` stops all requests until someone reconnects.
 */
export type ConnectionState = 'active' | 'needs_reauth';

export function connectionState(connection: Connection): ConnectionState {
  return connection.config.state === 'needs_reauth' ? 'needs_reauth' : 'active';
}

/**
 * Marks the connection `needs_reauth` with a PHI-free reason code; the secrets are left as they
 * are (re-read and re-written unchanged) so a reconnect can replace them.
 */
export async function markNeedsReauth(
  store: Store,
  tenant: string,
  id: string,
  reason: string,
  at: Date,
): Promise<void> {
  const current = await store.connections.get(tenant, id);
  if (!current) return;
  const secrets = await store.connections.secrets(tenant, id);
  await store.connections.put(
    {
      tenant,
      id,
      source: current.source,
      config: { ...current.config, state: 'needs_reauth', stateReason: reason, stateSince: at.toISOString() },
    },
    secrets,
  );
}
