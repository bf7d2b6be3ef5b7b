import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { ensureEpicConnection } from '../../src/connectors/connection-setup.ts';
import { rotateEpicKey } from '../../src/connectors/epic/key-ring.ts';
import { type EpicSimulator, startEpicSimulator } from '../../src/simulators/epic/index.ts';
import type { Store } from '../../src/store/port.ts';
import { drain, memoryStore, pageEveryRow, rowOf, silentLog, testConnectors } from './helpers.ts';

describe('Epic connector against the simulator (SMART backend services, JWKS served by the gateway)', () => {
  let sim: EpicSimulator;
  let store: Store;
  let gateway: Server;
  let gatewayUrl: string;

  beforeAll(async () => {
    sim = await startEpicSimulator({
      seed: 4,
      patients: 12,
      maxSearchResults: 5,
      defaultPageSize: 3,
      bulkPollsBeforeComplete: 0,
    });
    store = memoryStore();
    gateway = createServer(createApp({ store, log: silentLog }).handle);
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    // One client per test: the simulator caches a client's JWKS (30 s before it refetches), as Epic does.
    for (const clientId of ['gw-test', 'gw-rotate'])
      sim.registerClient({ clientId, jwksUrl: `${gatewayUrl}/.well-known/jwks.json` });
  });
  afterAll(async () => {
    gateway.closeAllConnections();
    gateway.close();
    await sim.close();
    await store.close();
  });

  const connect = (tenant: string, id: string, clientId = 'gw-test') =>
    ensureEpicConnection(store, {
      tenant,
      id,
      fhirBaseUrl: sim.fhirBaseUrl,
      tokenUrl: sim.tokenUrl,
      clientId,
      groupId: sim.groupId,
      now: Date.now(),
    });

  it('publishes only public keys, and exports every row then only what changed since', async () => {
    await store.tenants.ensure('t1');
    const connection = await connect('t1', 'epic-1');
    const jwks = (await (await fetch(`${gatewayUrl}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS384', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(JSON.stringify(connection.config)).not.toContain('"d"');

    const connector = testConnectors(store).epic;
    const session = await connector.open(connection);
    const marks = new Map<string, string | undefined>();
    for (const row of connector.catalog) {
      const polled = await drain(session, row);
      const ids = polled.records.map((r) => (r as { id: string }).id);
      expect(new Set(ids).size, row.key).toBe(ids.length);
      expect(ids.length, row.key).toBeGreaterThan(0);
      expect(polled.watermark, row.key).toBeDefined();
      marks.set(row.key, polled.watermark);
    }
    // DocumentReference's backfill was split into windows: the simulator refuses > 5 matches here.
    expect(
      sim.counters.total((route, status) => route === 'GET /api/FHIR/R4/:type' && status === 400),
    ).toBeGreaterThan(0);

    // Paging: export files cut in pages of 2, DocumentReference searches of 2 per page.
    const paged = await pageEveryRow(connector, testConnectors(store, { pageSize: 2 }).epic, connection);
    expect(paged.length).toBe(9);
    for (const r of paged) {
      expect(r.sameIds && r.unique, r.row).toBe(true);
      if (r.records > 2) expect(r.smallPages, r.row).toBeGreaterThanOrEqual(Math.ceil(r.records / 2));
    }

    await new Promise((r) => setTimeout(r, 1100));
    sim.tick(6);
    let changed = 0;
    for (const row of connector.catalog) {
      const polled = await drain(session, row, marks.get(row.key));
      changed += polled.records.length;
    }
    expect(changed).toBeGreaterThan(0);
    expect(session.status().state).toBe('active');
  });

  it('rotates the signing key without downtime: published at once, signing only once active', async () => {
    await store.tenants.ensure('t2');
    const connection = await connect('t2', 'epic-2', 'gw-rotate');
    const kids: string[] = [];
    const assertions: string[] = [];
    const spying: typeof fetch = async (input, init) => {
      const body = init?.body;
      if (String(input) === sim.tokenUrl && body instanceof URLSearchParams) {
        const assertion = body.get('client_assertion') ?? '';
        kids.push(decodeProtectedHeader(assertion).kid ?? '');
        assertions.push(assertion);
      }
      return fetch(input, init);
    };
    const patientRow = (c: ReturnType<typeof testConnectors>) => rowOf(c.epic.catalog, 'Patient');
    const first = testConnectors(store, { fetch: spying });
    const before = await drain(await first.epic.open(connection), patientRow(first));
    const oldKid = kids[0];

    const now = Date.now();
    const newKid = await rotateEpicKey(store, 't2', 'epic-2', now, 60_000);
    const jwks = (await (await fetch(`${gatewayUrl}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));

    // Right after the rotation the old key still signs: nothing is refused meanwhile.
    const rotated = await store.connections.get('t2', 'epic-2');
    if (!rotated) throw new Error('connection lost');
    const during = testConnectors(store, { fetch: spying });
    const still = await drain(await during.epic.open(rotated), patientRow(during));
    expect(still.records.length).toBe(before.records.length);
    expect(kids.at(-1)).toBe(oldKid);

    // Once active, the new key signs, and its assertion verifies against the published JWKS.
    const later = testConnectors(store, { fetch: spying, now: () => now + 61_000 });
    const session = await later.epic.open(rotated);
    await drain(session, patientRow(later)).catch(() => undefined);
    expect(kids.at(-1)).toBe(newKid);
    const published = createLocalJWKSet(
      (await (await fetch(`${gatewayUrl}/.well-known/jwks.json`)).json()) as { keys: JWK[] },
    );
    const verified = await jwtVerify(assertions.at(-1) ?? '', published, {
      audience: sim.tokenUrl,
      issuer: 'gw-rotate',
      currentDate: new Date(now + 61_000),
    });
    expect(verified.protectedHeader.kid).toBe(newKid);
    const stored = await store.connections.secrets('t2', 'epic-2');
    expect(Object.keys(JSON.parse(stored.privateKeys ?? '{}'))).toEqual(
      expect.arrayContaining([oldKid, newKid]),
    );
  });
});

describe('Epic bulk export status polling', () => {
  it('waits out 202 + Retry-After status answers, then reads the files', async () => {
    const sim = await startEpicSimulator({ seed: 6, patients: 3, bulkPollsBeforeComplete: 1 });
    const store = memoryStore();
    const gateway = createServer(createApp({ store, log: silentLog }).handle);
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    try {
      sim.registerClient({ clientId: 'gw-poll', jwksUrl: `${url}/.well-known/jwks.json` });
      await store.tenants.ensure('t3');
      const connection = await ensureEpicConnection(store, {
        tenant: 't3',
        id: 'epic-3',
        fhirBaseUrl: sim.fhirBaseUrl,
        tokenUrl: sim.tokenUrl,
        clientId: 'gw-poll',
        groupId: sim.groupId,
        now: Date.now(),
      });
      const connectors = testConnectors(store);
      const polled = await drain(
        await connectors.epic.open(connection),
        rowOf(connectors.epic.catalog, 'Patient'),
      );
      expect(polled.records).toHaveLength(3);
      expect(sim.counters.snapshot()['GET /api/FHIR/R4/BulkRequest/:job']).toEqual({ '200': 1, '202': 1 });
    } finally {
      gateway.closeAllConnections();
      gateway.close();
      await sim.close();
      await store.close();
    }
  });
});
