import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createApiKeyService } from '../../src/auth/api-keys.ts';
import type { Scope } from '../../src/auth/scopes.ts';
import type { AdminOps } from '../../src/graphql/admin/admin-ops.ts';
import { createLogger } from '../../src/log/create-logger.ts';
import { createGatewayGraphQL } from '../../src/server/gateway-graphql.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { gatewaySchema } from '../support/graphql-harness.ts';

type Body = {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

/** A gateway over HTTP with the product schema; `ops` plays the sync engine and connect flow (not merged yet). */
async function start(admin?: AdminOps) {
  const { definitions } = gatewaySchema();
  const store: Store = openSqliteStore(':memory:', {
    maxResourceBytes: 1 << 20,
    secretBox: createSecretBox(Buffer.alloc(32, 5)),
  });
  const keys = createApiKeyService({ store });
  const log = createLogger({ level: 'silent' });
  const graphql = createGatewayGraphQL({ store, definitions, keys, log, ...(admin ? { admin } : {}) });
  const server: Server = createServer(createApp({ store, log, graphql }).handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    store,
    keyFor: async (tenant: string, scopes: Scope[]) => {
      await store.tenants.ensure(tenant);
      return (await keys.create({ tenant, scopes })).token;
    },
    query: async (token: string, query: string): Promise<Body> => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      return (await res.json()) as Body;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await store.close();
    },
  };
}

const calls: Array<[string, ...unknown[]]> = [];
const ops: AdminOps = {
  async syncState(tenant, connection) {
    calls.push(['syncState', tenant, connection]);
    return {
      state: 'idle',
      cadence: '*/5 * * * *',
      leaseHolder: 'gw-1',
      quarantined: 1,
      lastError: undefined,
      rows: [{ row: 'patients', lastSuccessAt: '2030-01-01T00:00:00Z', lagSeconds: 12, backfilling: false }],
    };
  },
  async replayQuarantine(tenant, id) {
    calls.push(['replay', tenant, id]);
    return { outcome: 'created' };
  },
  mintConnectLink(input) {
    calls.push(['link', input.tenant, input.source, input.ttlMs]);
    return { url: `http://gw/connect?link=sealed-${input.tenant}`, expiresAt: '2030-01-01T00:15:00Z' };
  },
};

describe('admin operations over GraphQL', () => {
  let gw: Awaited<ReturnType<typeof start>>;
  let adminA: string;
  let adminB: string;
  let readA: string;
  let entryA: string;
  beforeAll(async () => {
    gw = await start(ops);
    adminA = await gw.keyFor('clinic-a', ['admin']);
    adminB = await gw.keyFor('clinic-b', ['admin', 'read']);
    readA = await gw.keyFor('clinic-a', ['read', 'write']);
    await gw.store.connections.put(
      { tenant: 'clinic-a', id: 'jane-main', source: 'jane', config: {} },
      { t: 's' },
    );
    await gw.store.connections.put(
      { tenant: 'clinic-b', id: 'epic-b', source: 'epic', config: {} },
      { t: 's' },
    );
    entryA = (
      await gw.store.quarantine.add({
        tenant: 'clinic-a',
        connection: 'jane-main',
        what: 'jane:patients/17',
        reason: 'birth_date: not a date',
        raw: { first_name: 'Private' },
      })
    ).id;
    await gw.store.quarantine.add({
      tenant: 'clinic-b',
      connection: 'epic-b',
      what: 'epic:Patient/x',
      reason: 'no id',
      raw: {},
    });
  }, 120_000);
  afterAll(() => gw?.close());

  it("shows an admin key its own tenant's connections, sync state and quarantine, never the raw record", async () => {
    const body = await gw.query(
      adminA,
      `{ gatewayAdmin { tenant capabilities connections { id source syncState { state leaseHolder quarantined rows { row lagSeconds backfilling } } }
         quarantine { id connection what reason } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      gatewayAdmin: {
        tenant: 'clinic-a',
        capabilities: ['syncState', 'replayQuarantine', 'mintConnectLink'],
        connections: [
          {
            id: 'jane-main',
            source: 'jane',
            syncState: {
              state: 'idle',
              leaseHolder: 'gw-1',
              quarantined: 1,
              rows: [{ row: 'patients', lagSeconds: 12, backfilling: false }],
            },
          },
        ],
        quarantine: [
          { id: entryA, connection: 'jane-main', what: 'jane:patients/17', reason: 'birth_date: not a date' },
        ],
      },
    });
    expect(calls).toContainEqual(['syncState', 'clinic-a', 'jane-main']);
    const raw = await gw.query(adminA, '{ gatewayAdmin { quarantine { raw } } }');
    expect(raw.errors?.[0]?.message).toContain('Cannot query field "raw"');
  });

  it('refuses admin fields to a key without the admin scope, before running them', async () => {
    for (const q of [
      '{ gatewayAdmin { tenant } }',
      `mutation { gatewayAdminDiscardQuarantine(id: "${entryA}") }`,
      'mutation { gatewayAdminMintConnectLink(source: "jane") { url } }',
    ]) {
      const body = await gw.query(readA, q);
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await gw.store.quarantine.list('clinic-a')).map((e) => e.id)).toEqual([entryA]);
  });

  it("replays and discards only the caller's own entries, and mints links for its own tenant", async () => {
    const replay = await gw.query(
      adminA,
      `mutation { gatewayAdminReplayQuarantine(id: "${entryA}") { id outcome } }`,
    );
    expect(replay.data).toEqual({ gatewayAdminReplayQuarantine: { id: entryA, outcome: 'created' } });
    expect(calls).toContainEqual(['replay', 'clinic-a', entryA]);

    // Tenant B's admin cannot discard A's entry: the store is asked in B's tenant only.
    const cross = await gw.query(adminB, `mutation { gatewayAdminDiscardQuarantine(id: "${entryA}") }`);
    expect(cross.data).toEqual({ gatewayAdminDiscardQuarantine: false });
    expect((await gw.store.quarantine.list('clinic-a')).length).toBe(1);
    const own = await gw.query(adminA, `mutation { gatewayAdminDiscardQuarantine(id: "${entryA}") }`);
    expect(own.data).toEqual({ gatewayAdminDiscardQuarantine: true });

    const link = await gw.query(
      adminB,
      'mutation { gatewayAdminMintConnectLink(source: "epic", ttlMinutes: 30) { url } }',
    );
    expect(link.data).toEqual({
      gatewayAdminMintConnectLink: { url: 'http://gw/connect?link=sealed-clinic-b' },
    });
    expect(calls).toContainEqual(['link', 'clinic-b', 'epic', 30 * 60_000]);
    const badSource = await gw.query(
      adminB,
      'mutation { gatewayAdminMintConnectLink(source: "cerner") { url } }',
    );
    expect(badSource.errors?.[0]?.message).toBe('source must be one of jane, drchrono, epic');
    const badTtl = await gw.query(
      adminB,
      'mutation { gatewayAdminMintConnectLink(source: "epic", ttlMinutes: 0) { url } }',
    );
    expect(badTtl.errors?.[0]?.message).toBe('ttlMinutes must be an integer from 1 to 1440');
  });

  it('answers a not-supported error, naming the missing part, where this process lacks the sync engine or connect flow', async () => {
    const bare = await start();
    try {
      const key = await bare.keyFor('clinic-c', ['admin']);
      await bare.store.connections.put({ tenant: 'clinic-c', id: 'c1', source: 'jane', config: {} }, {});
      const state = await bare.query(
        key,
        '{ gatewayAdmin { capabilities connections { id syncState { state } } } }',
      );
      expect(state.data).toEqual({
        gatewayAdmin: { capabilities: [], connections: [{ id: 'c1', syncState: null }] },
      });
      expect(state.errors?.[0]?.message).toBe(
        'sync state is not available in this process: it needs the sync engine',
      );
      const replay = await bare.query(key, 'mutation { gatewayAdminReplayQuarantine(id: "1") { outcome } }');
      expect(replay.errors?.[0]?.message).toBe(
        'quarantine replay is not available in this process: it needs the sync engine',
      );
      const link = await bare.query(key, 'mutation { gatewayAdminMintConnectLink(source: "jane") { url } }');
      expect(link.errors?.[0]?.message).toBe(
        'connect-link minting is not available in this process: it needs the connect flow',
      );
    } finally {
      await bare.close();
    }
  }, 60_000);
});
