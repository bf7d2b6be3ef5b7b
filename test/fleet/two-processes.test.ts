import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyService } from '../../src/auth/api-keys.ts';
import {
  buildAuthorizeUrl,
  createPkcePair,
  exchangeAuthorizationCode,
} from '../../src/connectors/common/oauth-code-flow.ts';
import { saveOAuthConnection } from '../../src/connectors/connection-setup.ts';
import { JANE_SCOPES } from '../../src/connectors/jane/catalog.ts';
import { approveConsentLikeABrowser } from '../../src/demo/consent-robot.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import { deriveCursorKey } from '../../src/store/cursor-sealer.ts';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import type { Change, Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { connectionLeaseName } from '../../src/sync/sync-keys.ts';
import { freePort } from '../support/free-port.ts';
import { mongoForTests, type TestMongo } from '../support/mongo-for-tests.ts';
import {
  type Received,
  type SubscriptionResult,
  sseSubscribe,
  statusCursor,
  wsClient,
  wsSubscribe,
} from '../support/subscription-clients.ts';

/**
 * Two gateway processes (`node src/main.ts`, real sockets) on one FerretDB store, polling two
 * simulated clinics: each connection is polled by one process at a time (leases), the other
 * takes over after the first is killed, no change is logged twice, subscribers on both
 * processes (SSE and graphql-ws) receive every event in commit order whichever process wrote
 * it, and what either process wrote is served by both.
 */
const main = join(import.meta.dirname, '../../src/main.ts');
const TENANT = 'fleet';
const CONNECTIONS = ['jane-a', 'jane-b'];
// Longer than the slowest page on a loaded 2-core machine: a lease is renewed after each page.
const LEASE_TTL_MS = 30_000;
const KEY = randomBytes(32);

/** Connects a simulated Jane clinic the way a clinic admin does (authorization code + PKCE). */
async function connectJane(store: Store, jane: RunningJaneSimulator, id: string): Promise<void> {
  const redirectUri = 'http://127.0.0.1:9/oauth/callback';
  const pkce = createPkcePair();
  const granted = await approveConsentLikeABrowser(
    fetch,
    buildAuthorizeUrl({
      authorizeUrl: jane.oauth.authorizeUrl,
      clientId: jane.oauth.clientId,
      redirectUri,
      scope: JANE_SCOPES.filter((s) => jane.oauth.scopes.includes(s)).join(' '),
      state: `fleet-${id}`,
      codeChallenge: pkce.challenge,
      resource: jane.rootClinic.url,
    }),
  );
  const tokens = await exchangeAuthorizationCode(fetch, {
    source: 'jane',
    tokenUrl: jane.oauth.tokenUrl,
    clientId: jane.oauth.clientId,
    clientSecret: jane.oauth.clientSecret,
    code: granted.code,
    redirectUri,
    codeVerifier: pkce.verifier,
  });
  await saveOAuthConnection(store, {
    tenant: TENANT,
    id,
    source: 'jane',
    config: {
      clinicUrl: jane.rootClinic.url,
      tokenUrl: jane.oauth.tokenUrl,
      authorizeUrl: jane.oauth.authorizeUrl,
      clientId: jane.oauth.clientId,
    },
    clientSecret: jane.oauth.clientSecret,
    tokens,
    now: Date.now(),
  });
}

type Gateway = {
  name: string;
  child: ChildProcess;
  port: number;
  logs: () => string;
  listening: () => boolean;
  exited: Promise<number | null>;
};

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

/** `gateway_sync_runs_total` of one process: connection → outcome → count. */
async function runsOf(gw: Gateway): Promise<Map<string, Map<string, number>>> {
  const text = await (await fetch(`http://127.0.0.1:${gw.port}/metrics`)).text();
  const runs = new Map<string, Map<string, number>>();
  for (const m of text.matchAll(
    /^gateway_sync_runs_total\{[^}]*connection="([^"]+)"[^}]*outcome="([^"]+)"[^}]*\} (\d+)/gm,
  )) {
    const [, connection, outcome, count] = m as unknown as [string, string, string, string];
    const byOutcome = runs.get(connection) ?? new Map<string, number>();
    byOutcome.set(outcome, Number(count));
    runs.set(connection, byOutcome);
  }
  return runs;
}

const polled = (runs: Map<string, Map<string, number>>, connection: string) =>
  (runs.get(connection)?.get('completed') ?? 0) + (runs.get(connection)?.get('partial') ?? 0);

const CHANGES = `subscription ($after: String) { changes(after: $after) {
  __typename ... on ChangeEvent { resourceType id versionId } } }`;

/** The events (not heartbeats) a subscriber received, as `Type/id/version`. */
const eventsOf = (results: SubscriptionResult[]) =>
  results
    .map(
      (r) => r.data?.changes as { __typename?: string; resourceType: string; id: string; versionId: number },
    )
    .filter((e) => e?.__typename === 'ChangeEvent')
    .map((e) => `${e.resourceType}/${e.id}/${e.versionId}`);

const keyOf = (c: Change) => `${c.type}/${c.id}/${c.versionId}`;

/**
 * A subscriber got every change of `log` from its first event on, in commit order, none twice,
 * up to the last one of `log`.
 */
function expectEveryEvent(name: string, received: string[], log: string[]) {
  const start = log.indexOf(received[0] ?? '');
  expect(start, `${name}: first event is in the log`).toBeGreaterThanOrEqual(0);
  const expected = log.slice(start);
  expect(received.slice(0, expected.length), name).toEqual(expected);
}

async function allChanges(store: Store): Promise<Change[]> {
  const changes: Change[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.changes.after(cursor, 1_000, { tenant: TENANT });
    if (page.changes.length === 0) return changes;
    changes.push(...page.changes);
    cursor = page.cursor;
  }
}

describe('two gateway processes on one FerretDB store', () => {
  let server: TestMongo;
  let store: Store;
  let client: MongoClient;
  let simulators: RunningJaneSimulator[] = [];
  const gateways: Gateway[] = [];
  const dbName = `gw_fleet_${randomUUID().slice(0, 8)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-fleet-'));

  beforeAll(async () => {
    server = await mongoForTests();
    client = new MongoClient(server.url);
    await client.connect();
    store = await openMongoStore(server.url, {
      dbName,
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(KEY),
      cursorKey: deriveCursorKey(KEY),
    });
    // Two small clinics that keep changing, so both backfill and live polling happen.
    simulators = [
      await startJaneSimulator({ seed: 11, patients: 2, tickEveryMs: 500 }),
      await startJaneSimulator({ seed: 12, patients: 2, tickEveryMs: 500 }),
    ];
    await store.tenants.ensure(TENANT, 'Two clinics');
    await connectJane(store, simulators[0] as RunningJaneSimulator, 'jane-a');
    await connectJane(store, simulators[1] as RunningJaneSimulator, 'jane-b');
  });

  afterAll(async () => {
    for (const gw of gateways) if (gw.child.exitCode === null) gw.child.kill('SIGKILL');
    await Promise.all(simulators.map((s) => s.close()));
    await store?.close();
    await client
      ?.db(dbName)
      .dropDatabase()
      .catch(() => {});
    await client?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startGateway(name: string): Promise<Gateway> {
    const port = await freePort();
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? '',
        STORE: 'mongo',
        MONGODB_URL: `${server.url}${dbName}`,
        DATA_ENCRYPTION_KEY: KEY.toString('hex'),
        DATA_DIR: join(dataDir, name),
        DEMO: 'off',
        PORT: String(port),
        LOG_LEVEL: 'info',
        SYNC_CADENCE: '* * * * * *',
        SYNC_LEASE_TTL_MS: String(LEASE_TTL_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    let listening = false;
    const keep = (d: Buffer) => {
      logs = (logs + d.toString()).slice(-20_000);
      listening ||= logs.includes('gateway listening');
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const gw: Gateway = {
      name,
      child,
      port,
      logs: () => logs,
      listening: () => listening,
      exited: new Promise((r) => child.once('exit', r)),
    };
    gateways.push(gw);
    return gw;
  }

  it('polls each connection from one process, feeds subscribers on both, fails over on kill -9, logs no change twice', async () => {
    const [a, b] = await Promise.all([startGateway('a'), startGateway('b')]);
    const gwA = a as Gateway;
    const gwB = b as Gateway;
    const listening = await until(async () => gwA.listening() && gwB.listening(), 60_000);
    expect(listening, `${gwA.logs().slice(-1500)}\n${gwB.logs().slice(-1500)}`).toBe(true);

    // Subscribers on both processes over both transports, from the oldest retained change on.
    const { token } = await createApiKeyService({ store }).create({
      tenant: TENANT,
      scopes: ['read', 'subscribe'],
    });
    const urlOf = (gw: Gateway) => `http://127.0.0.1:${gw.port}/graphql`;
    const after = await statusCursor(urlOf(gwA), token, 'oldestRetained');
    const wsClients = [wsClient(urlOf(gwA), token), wsClient(urlOf(gwB), token)];
    const subscribers = new Map<Gateway, Array<{ name: string; sub: Received }>>([
      [
        gwA,
        [
          { name: 'a/sse', sub: sseSubscribe(urlOf(gwA), token, CHANGES, { after }) },
          { name: 'a/ws', sub: wsSubscribe(wsClients[0] as (typeof wsClients)[0], CHANGES, { after }) },
        ],
      ],
      [
        gwB,
        [
          { name: 'b/sse', sub: sseSubscribe(urlOf(gwB), token, CHANGES, { after }) },
          { name: 'b/ws', sub: wsSubscribe(wsClients[1] as (typeof wsClients)[0], CHANGES, { after }) },
        ],
      ],
    ]);
    /** Waits until every subscriber of `gws` received the last change logged so far, then checks them. */
    const expectSubscribersCaughtUp = async (gws: Gateway[]) => {
      const log = (await allChanges(store)).map(keyOf);
      const last = log.at(-1) ?? '';
      const subs = gws.flatMap((gw) => subscribers.get(gw) ?? []);
      const caughtUp = await until(
        async () => subs.every(({ sub }) => eventsOf(sub.results).includes(last)),
        120_000,
      );
      expect(
        caughtUp,
        subs.map(({ name, sub }) => `${name}: ${eventsOf(sub.results).length} of ${log.length}`).join(', '),
      ).toBe(true);
      for (const { name, sub } of subs) expectEveryEvent(name, eventsOf(sub.results), log);
    };

    // Both processes tick every second for every connection; each connection gets polled by one.
    const gatewayOf = (holder: string | undefined) =>
      [gwA, gwB].find((gw) => holder?.includes(`:${gw.child.pid}:`));
    const holderOf = new Map<string, Gateway>();
    const settled = await until(async () => {
      const [ra, rb] = await Promise.all([runsOf(gwA), runsOf(gwB)]);
      for (const c of CONNECTIONS) {
        const holder = gatewayOf((await store.leases.current(connectionLeaseName(TENANT, c)))?.holder);
        const otherRuns = holder === gwA ? rb : ra;
        const holderRuns = holder === gwA ? ra : rb;
        if (!holder || polled(holderRuns, c) === 0 || (otherRuns.get(c)?.get('not_leader') ?? 0) === 0)
          return false;
        holderOf.set(c, holder);
      }
      const logged = new Set((await allChanges(store)).map((c) => c.connection));
      return CONNECTIONS.every((c) => logged.has(c));
    }, 150_000);
    expect(settled, `${gwA.logs().slice(-1500)}\n${gwB.logs().slice(-1500)}`).toBe(true);
    const [ra, rb] = await Promise.all([runsOf(gwA), runsOf(gwB)]);
    for (const c of CONNECTIONS) {
      // The lease holder polled it; the other process found the lease taken on every tick.
      const otherRuns = holderOf.get(c) === gwA ? rb : ra;
      expect(polled(otherRuns, c), c).toBe(0);
      expect(otherRuns.get(c)?.get('not_leader') ?? 0, c).toBeGreaterThan(0);
    }

    // Whichever process wrote a change, the subscribers on both processes received it.
    await expectSubscribersCaughtUp([gwA, gwB]);

    // kill -9 the process holding jane-a: the other takes over once the lease expires.
    const victim = holderOf.get('jane-a') as Gateway;
    const survivor = victim === gwA ? gwB : gwA;
    const orphaned = CONNECTIONS.filter((c) => holderOf.get(c) === victim);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const before = await runsOf(survivor);
    const tookOver = await until(async () => {
      for (const c of orphaned) {
        const lease = await store.leases.current(connectionLeaseName(TENANT, c));
        if (gatewayOf(lease?.holder) !== survivor) return false;
      }
      const now = await runsOf(survivor);
      return orphaned.every((c) => polled(now, c) > polled(before, c));
    }, LEASE_TTL_MS + 90_000);
    expect(tookOver, survivor.logs().slice(-2000)).toBe(true);
    const lease = await store.leases.current(connectionLeaseName(TENANT, 'jane-a'));
    expect(lease?.holder).toContain(`:${survivor.child.pid}:`);

    // Its subscribers keep receiving what it now writes itself.
    await expectSubscribersCaughtUp([survivor]);
    for (const { sub } of [...subscribers.values()].flat()) sub.close();
    await Promise.all(wsClients.map((c) => c.dispose()));

    // The change log: every (resource, version) once; no version that only repeats the one before.

    const changes = await allChanges(store);
    const versions = new Set<string>();
    for (const change of changes) {
      const key = `${change.type}/${change.id}/${change.versionId}`;
      expect(versions.has(key), key).toBe(false);
      versions.add(key);
    }
    const hashes = await client
      .db(dbName)
      .collection<{ tenant: string; type: string; id: string; versionId: number; hash: string }>(
        'resource_versions',
      )
      .find({ tenant: TENANT }, { projection: { type: 1, id: 1, versionId: 1, hash: 1 } })
      .toArray();
    const byResource = new Map<string, Array<{ versionId: number; hash: string }>>();
    for (const v of hashes) {
      const list = byResource.get(`${v.type}/${v.id}`) ?? [];
      list.push({ versionId: v.versionId, hash: v.hash });
      byResource.set(`${v.type}/${v.id}`, list);
    }
    for (const [resource, list] of byResource) {
      list.sort((x, y) => x.versionId - y.versionId);
      for (let k = 1; k < list.length; k++)
        expect(list[k]?.hash, `${resource} v${list[k]?.versionId}`).not.toBe(list[k - 1]?.hash);
    }
    const connectionsSeen = new Set(changes.map((c) => c.connection));
    for (const c of CONNECTIONS) expect(connectionsSeen.has(c), c).toBe(true);
    expect(changes.some((c) => !c.backfill)).toBe(true);

    // What either process wrote is served by the one still running (it wrote only part of it). The
    // survivor keeps polling clinics that keep changing: what it serves lies between what was
    // stored before the query and what is stored after it.
    const storedIds = async () =>
      (await store.resources.list(TENANT, 'Patient', { limit: 1_000 })).items.map((r) => r.id);
    const storedBefore = await storedIds();
    const response = await fetch(`http://127.0.0.1:${survivor.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ PatientList(_count: 1000) { id } }' }),
    });
    const body = (await response.json()) as { data?: { PatientList?: Array<{ id: string }> } };
    const storedAfter = await storedIds();
    const served = body.data?.PatientList?.map((p) => p.id) ?? [];
    expect(storedBefore.length).toBeGreaterThan(0);
    expect(served).toEqual(expect.arrayContaining(storedBefore));
    expect(storedAfter).toEqual(expect.arrayContaining(served));

    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
  }, 420_000);
});
