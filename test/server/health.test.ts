import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/log/create-logger.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';

describe('health endpoints', () => {
  let server: Server;
  let base: string;
  let store: Store;

  beforeAll(async () => {
    store = openSqliteStore(':memory:', {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32)),
    });
    const app = createApp({ store, log: createLogger({ level: 'silent' }) });
    server = createServer(app.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await store.close().catch(() => {});
  });

  it('/healthz answers ok and /readyz reports the store', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      store: { kind: 'sqlite', status: 'up', highWaterMark: 0 },
    });
  });

  it('answers 404 for unknown paths and 503 from /readyz when the store is down', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    await store.close();
    const down = await fetch(`${base}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'not-ready', store: { kind: 'sqlite', status: 'down' } });
  });
});
