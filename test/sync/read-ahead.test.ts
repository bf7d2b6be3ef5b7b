import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSharedConnectorState } from '../../src/connectors/common/connector-deps.ts';
import type { CatalogRow, Connector } from '../../src/connectors/connector.ts';
import { createConnectors } from '../../src/connectors/registry.ts';
import { startDrChronoSimulator } from '../../src/simulators/drchrono/index.ts';
import type { Connection, Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { type ConnectionRun, pollConnection } from '../../src/sync/poll-connection.ts';
import { createSyncEngine } from '../../src/sync/sync-engine.ts';
import { connectionLeaseName, decodeRowWatermark, watermarkKey } from '../../src/sync/sync-keys.ts';
import { connectDrChrono, memoryStore } from '../connectors/helpers.ts';
import { projectMappings, silentLog } from './real-sources.ts';
import { loadTestMappings } from './test-mappings.ts';
import {
  startTestSource,
  type TestConnectorOptions,
  type TestSource,
  testConnector,
  testRow,
} from './test-source.ts';

/**
 * The page loop reads one page ahead (src/sync/read-ahead.ts): page N+1 is requested while page N
 * is written. These tests pin what must not change with it: nothing of the read-ahead page is
 * written when a run stops, a watermark never passes a committed page, and a complete run sends
 * exactly the requests a page-at-a-time read sends.
 */
const mappings = loadTestMappings();
const patients = testRow('patients', { fhirTypes: ['Patient'] });

describe('sync read-ahead', () => {
  let store: Store;
  let source: TestSource;
  let connection: Connection;
  const key = watermarkKey('acme', 'dc.main', 'patients');

  beforeEach(async () => {
    store = openSqliteStore(':memory:', {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32)),
    });
    await store.tenants.ensure('acme');
    source = await startTestSource();
    connection = await store.connections.put(
      { tenant: 'acme', id: 'dc.main', source: 'drchrono', config: { baseUrl: source.url } },
      {},
    );
    // Six patients, modification seqs 1..6: pages of two carry watermarks 2, 4, 6.
    for (let i = 1; i <= 6; i++) source.put('patients', { id: i, gender: 'F', last_name: `P${i}` });
  });
  afterEach(async () => {
    await source.close();
    await store.close();
  });

  const storedCursor = async () => decodeRowWatermark(await store.watermarks.get(key))?.cursor;
  const patientCount = async () =>
    (await store.resources.list('acme', 'Patient', { limit: 1000 })).items.length;

  /** One run of the connection through the page loop, with hooks on the source and on each committed page. */
  const run = async (
    options: TestConnectorOptions,
    onPage: (index: number) => void = () => {},
    signal?: AbortSignal,
  ): Promise<ConnectionRun> => {
    const connector = testConnector(source, [patients], [], { pageSize: 2, ...options });
    const session = await connector.open(connection);
    let committed = 0;
    return pollConnection(
      { store, mappings, log: silentLog, leaseTtlMs: 60_000, onPage: () => onPage(committed++) },
      { connection, connector, session, holder: 'p1', ...(signal ? { signal } : {}) },
    );
  };

  it('requests page N+1 before page N is committed, never two ahead, and no page past the last', async () => {
    const events: string[] = [];
    /** Every cursor stored when a page arrives, with the patients committed at that moment. */
    const seen: Array<{ cursor: string | undefined; committed: number }> = [];
    const result = await run(
      {
        beforeFetch: (_row, index) => events.push(`fetch ${index}`),
        beforePage: async () => {
          seen.push({ cursor: await storedCursor(), committed: await patientCount() });
        },
      },
      (index) => events.push(`commit ${index}`),
    );
    expect(result.outcome).toBe('completed');
    expect(events).toEqual(['fetch 0', 'fetch 1', 'commit 0', 'fetch 2', 'commit 1', 'commit 2']);
    expect(source.requests.get('patients')).toBe(3);
    // A stored watermark only ever covers records already committed (seq n = patient n here).
    expect(seen.length).toBe(3);
    for (const { cursor, committed } of seen) expect(committed).toBeGreaterThanOrEqual(Number(cursor ?? 0));
    expect(await storedCursor()).toBe('6');
    expect(await patientCount()).toBe(6);
  });

  it('writes nothing of the page read ahead when the run is stopped, and keeps the watermark at the committed page', async () => {
    const stop = new AbortController();
    let firstCommitted: () => void = () => {};
    const committed = new Promise<void>((resolve) => {
      firstCommitted = resolve;
    });
    const result = await run(
      {
        // Page 1 has arrived (read ahead) and page 0 is committed: now the run is stopped.
        beforePage: async (_row, index) => {
          if (index !== 1) return;
          await committed;
          stop.abort();
        },
      },
      (index) => {
        if (index === 0) firstCommitted();
      },
      stop.signal,
    );
    expect(source.requests.get('patients')).toBe(2);
    expect(result.rows).toMatchObject([{ row: 'patients', pages: 1 }]);
    expect(await patientCount()).toBe(2);
    expect(await storedCursor()).toBe('2');
  });

  it('writes nothing of the page read ahead once the lease is lost: the run ends fenced out at the committed page', async () => {
    let firstCommitted: () => void = () => {};
    const committed = new Promise<void>((resolve) => {
      firstCommitted = resolve;
    });
    const name = connectionLeaseName('acme', 'dc.main');
    const result = await run(
      {
        // While page 1 is read ahead, another process takes the connection over.
        beforePage: async (_row, index) => {
          if (index !== 1) return;
          await committed;
          const held = await store.leases.current(name);
          if (held) await store.leases.release(held);
          expect(await store.leases.acquire(name, 'p2', 60_000)).toBeDefined();
        },
      },
      (index) => {
        if (index === 0) firstCommitted();
      },
    );
    expect(result.outcome).toBe('fenced_out');
    expect(await patientCount()).toBe(2);
    expect(await storedCursor()).toBe('2');
    expect((await store.leases.current(name))?.holder).toBe('p2');
  });

  it('stops at needs_reauth met by the read-ahead: the pages read before it are written, nothing after', async () => {
    let revoked = false;
    const result = await run({
      reauth: () => revoked,
      // Credentials are revoked after page 1's request: page 2 is refused for good.
      beforeFetch: (_row, index) => {
        if (index === 1) revoked = true;
      },
    });
    expect(result.outcome).toBe('needs_reauth');
    expect(source.requests.get('patients')).toBe(2);
    expect(await patientCount()).toBe(4);
    expect(await storedCursor()).toBe('4');
  });
});

describe('sync read-ahead against the DrChrono simulator', () => {
  it('sends, and counts in the budget, exactly one request per bulk page on a complete backfill', async () => {
    const sim = await startDrChronoSimulator({ seed: 5, patients: 7 });
    const store = memoryStore();
    const shared = createSharedConnectorState();
    try {
      await connectDrChrono(store, sim, { tenant: 't1', id: 'dc' });
      const connectors: Connector[] = Object.values(
        createConnectors({
          store,
          log: silentLog,
          shared,
          pageSize: 2,
          retry: { baseDelayMs: 5, maxDelayMs: 40, maxWaitMs: 5_000, timeoutMs: 5_000 },
        }),
      ).map((c) => ({ ...c, catalog: c.catalog.filter((row: CatalogRow) => row.key === 'patients') }));
      const engine = createSyncEngine({
        store,
        mappings: projectMappings(),
        log: silentLog,
        holder: 'p1',
        connectors,
      });
      sim.counters.reset();
      const result = await engine.runOnce('t1', 'dc');
      await engine.stop();
      expect(result.outcome).toBe('completed');
      // 7 patients in pages of 2: the job's start and its 4 pages, as a page-at-a-time read sends.
      expect(result.rows).toMatchObject([{ row: 'patients', pages: 4 }]);
      const served = sim.counters.total((route) => route.includes('/api/'));
      expect(served).toBe(5);
      // The request budget counted every one of them.
      const usage = [...shared.budgets.values()].flatMap((budget) => budget.usage());
      // (The hour holds them all; a per-second window has let the older ones age out by now.)
      expect(usage.filter((w) => w.kind === 'fixed').map((w) => w.used)).toEqual([served]);
      for (const window of usage) expect(window.used).toBeLessThanOrEqual(served);
      expect((await store.resources.list('t1', 'Patient', { limit: 100 })).items).toHaveLength(7);
    } finally {
      await store.close();
      await sim.close();
    }
  });
});
