import type { IncomingMessage, ServerResponse } from 'node:http';
import { publishedKeys } from '../../connectors/epic/key-ring.ts';
import type { Store } from '../../store/port.ts';

/**
 * GET /.well-known/jwks.json: the public keys of every Epic connection (current and rotated-out
 * keys still in their grace period), so Epic can verify the gateway's client assertions.
 * Public keys only: private halves never leave the encrypted connection secrets.
 */
export function createJwksRoute(deps: { store: Store; now?: () => number }) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const now = deps.now ?? Date.now;
    const connections = await listAllConnections(deps.store);
    const keys = connections.filter((c) => c.source === 'epic').flatMap((c) => publishedKeys(c, now()));
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=60' });
    res.end(JSON.stringify({ keys }));
  };
}

/** Every tenant's connections: the JWKS serves every Epic connection's public keys. */
function listAllConnections(store: Store) {
  return store.connections.listAllTenants();
}
