import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../store/port.ts';

/**
 * `/healthz`: the process is up (no dependencies checked, for liveness probes).
 * `/readyz`: the store answers, with its kind and high-water mark (for readiness probes).
 */
export function createHealthRoutes(deps: { store: Store; startedAt: number }) {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  return {
    healthz(_req: IncomingMessage, res: ServerResponse) {
      send(res, 200, { status: 'ok', uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000) });
    },
    async readyz(_req: IncomingMessage, res: ServerResponse) {
      try {
        await deps.store.ping();
        const highWaterMark = await deps.store.changes.highWaterMark();
        send(res, 200, { status: 'ready', store: { kind: deps.store.kind, status: 'up', highWaterMark } });
      } catch {
        send(res, 503, { status: 'not-ready', store: { kind: deps.store.kind, status: 'down' } });
      }
    },
  };
}
