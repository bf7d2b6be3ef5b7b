import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { createSyncEngine, type SyncEngine } from '../../src/sync/sync-engine.ts';
import { connectionLeaseName, decodeRowWatermark, watermarkKey } from '../../src/sync/sync-keys.ts';
import { loadTestMappings } from './test-mappings.ts';
import {
  startTestSource,
  type TestConnectorOptions,
  type TestSource,
  testConnector,
  testRow,
} from './test-source.ts';

const mappings = loadTestMappings();
const patients = testRow('patients', { fhirTypes: ['Patient'] });
const log = pino({ level: 'silent' });
/** Short enough that a stall outlasts it many times; the heartbeat beats every 100 ms. */
const TTL_MS = 300;
const LEASE = connectionLeaseName('acme', 'dc.main');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until `check` holds; answers whether it did. */
async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(10);
  }
  return check();
}

describe('the lease of a run that waits long (heartbeat)', () => {
  let store: Store;
  let source: TestSource;
  /** The store's clock runs `skew` ms ahead of the wall clock: a test expires leases by moving it. */
  let skew = 0;
  const engines: SyncEngine[] = [];
  const engine = (holder: string, options: TestConnectorOptions = {}) => {
    const created = createSyncEngine({
      store,
      mappings,
      log,
      holder,
      leaseTtlMs: TTL_MS,
      connectors: [testConnector(source, [patients], [], options)],
    });
    engines.push(created);
    return created;
  };

  beforeEach(async () => {
    skew = 0;
    store = openSqliteStore(':memory:', {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32)),
      now: () => Date.now() + skew,
    });
    await store.tenants.ensure('acme');
    source = await startTestSource();
    await store.connections.put(
      { tenant: 'acme', id: 'dc.main', source: 'drchrono', config: { baseUrl: source.url } },
      {},
    );
    for (let i = 1; i <= 4; i++) source.put('patients', { id: i, gender: 'F', last_name: `P${i}` });
  });
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
    await source.close();
    await store.close();
  });

  it('keeps the lease while the source stalls for several TTLs, so a second engine does not poll meanwhile', async () => {
    const release = source.holdNext('patients');
    const [a, b] = [engine('p1'), engine('p2')];
    const first = a.runOnce('acme', 'dc.main');
    expect(await until(() => source.requests.get('patients') === 1)).toBe(true);
    // The source answers nothing for four lease lifetimes; p2 tries to take over all along.
    const tries: string[] = [];
    for (let i = 0; i < 8; i++) {
      await sleep(TTL_MS / 2);
      tries.push((await b.runOnce('acme', 'dc.main')).outcome);
    }
    expect(tries).toEqual(Array(8).fill('not_leader'));
    expect(source.requests.get('patients')).toBe(1);
    expect((await store.leases.current(LEASE))?.holder).toBe('p1');
    release();
    const run = await first;
    expect(run.outcome).toBe('completed');
    expect(run.rows[0]).toMatchObject({ row: 'patients', pages: 2, counts: { created: 4 } });
  });

  it('stops a run whose lease is taken away mid-page: no further request, no write, no watermark moved', async () => {
    let release: (() => void) | undefined;
    const a = engine('p1', {
      // After the first page is fetched, the source stalls on the next one.
      beforePage: async (_row, index) => {
        if (index === 0) release = source.holdNext('patients');
      },
    });
    const run = a.runOnce('acme', 'dc.main');
    expect(await until(() => source.requests.get('patients') === 2)).toBe(true);
    const key = watermarkKey('acme', 'dc.main', 'patients');
    const committed = decodeRowWatermark(await store.watermarks.get(key));
    expect(committed?.cursor).toBe('2');
    // The store's clock jumps past the lease (the holder looked frozen to it) and another process takes it.
    skew += 10 * TTL_MS;
    const intruder = await store.leases.acquire(LEASE, 'intruder', 60_000);
    expect(intruder?.holder).toBe('intruder');
    // p1 finds out at its next beat and ends the run while the source still has not answered.
    let ended = false;
    void run.then(() => {
      ended = true;
    });
    expect(await until(() => ended, 5_000)).toBe(true);
    const outcome = await run;
    release?.();
    expect(outcome.outcome).toBe('fenced_out');
    expect(outcome.rows[0]).toMatchObject({ row: 'patients', pages: 1, error: { code: 'fenced_out' } });
    expect(source.requests.get('patients')).toBe(2);
    expect(decodeRowWatermark(await store.watermarks.get(key))).toEqual(committed);
    const changes = await store.changes.after(undefined, 100, { allTenants: true });
    expect(changes.changes).toHaveLength(2);
    expect((await store.leases.current(LEASE))?.holder).toBe('intruder');
  });
});
