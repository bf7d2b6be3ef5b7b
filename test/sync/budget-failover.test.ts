import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedConnectorState } from '../../src/connectors/common/connector-deps.ts';
import {
  type BudgetWindow,
  createRequestBudget,
  type RequestBudget,
} from '../../src/connectors/common/request-budget.ts';
import { createSharedBudget, sharedBudgetKey } from '../../src/connectors/common/shared-budget.ts';
import { createConnectors } from '../../src/connectors/registry.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import type { Connection, Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { createOperationsView } from '../../src/sync/operations-view.ts';
import { createSyncEngine, type SyncEngine } from '../../src/sync/sync-engine.ts';
import { connectionLeaseName } from '../../src/sync/sync-keys.ts';
import { connectDrChrono } from '../connectors/helpers.ts';
import { mongoForTests, type TestMongo } from '../support/mongo-for-tests.ts';
import { projectMappings, silentLog } from './real-sources.ts';

const HOUR = 3_600_000;
/** The hour's budget in these tests: a first run of DrChrono's catalog needs more than this. */
const HOUR_LIMIT = 20;
const TTL_MS = 400;
const KEY = Buffer.alloc(32, 5);

/**
 * Every clock of a test (store, simulator, connectors) runs at the wall clock's pace but ten
 * minutes into an hour, so a test never sees DrChrono's hourly window reset under it.
 */
function midHourClock(): () => number {
  const now = Date.now();
  const shift = Math.floor(now / HOUR) * HOUR + 600_000 - now;
  return () => Date.now() + shift;
}

type Opener = { name: string; open(now: () => number): Promise<Store>; cleanup(): Promise<void> };

function sqliteOpener(): Opener {
  const dir = mkdtempSync(join(tmpdir(), 'budget-failover-'));
  const path = join(dir, 'store.db');
  return {
    name: 'sqlite',
    async open(now) {
      return openSqliteStore(path, { maxResourceBytes: 1 << 20, secretBox: createSecretBox(KEY), now });
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function mongoOpener(server: () => TestMongo): Opener {
  const dbName = `budget_${randomUUID().slice(0, 8)}`;
  return {
    name: 'mongo',
    async open(now) {
      return openMongoStore(server().url, {
        dbName,
        maxResourceBytes: 1 << 20,
        secretBox: createSecretBox(KEY),
        now,
      });
    },
    async cleanup() {},
  };
}

/** One gateway process as far as the sync goes: its own store connection, connectors (budgets in memory) and engine. */
type Process = { store: Store; engine: SyncEngine };

async function startProcess(opener: Opener, holder: string, now: () => number): Promise<Process> {
  const store = await opener.open(now);
  const connectors = Object.values(
    createConnectors({
      store,
      log: silentLog,
      now,
      shared: createSharedConnectorState(),
      retry: { baseDelayMs: 5, maxDelayMs: 40, maxWaitMs: 5_000, timeoutMs: 5_000 },
      budgetLimits: { 'app-hour': HOUR_LIMIT },
    }),
  );
  const engine = createSyncEngine({
    store,
    mappings: projectMappings(),
    log: silentLog,
    holder,
    leaseTtlMs: TTL_MS,
    connectors,
  });
  return { store, engine };
}

const apiRequests = (sim: RunningDrChronoSimulator) =>
  sim.counters.total((route) => route.includes(' /api/'));

/** Requests used of DrChrono's hour as the process's operations view shows them. */
async function hourShown(p: Process, connection: Connection): Promise<number | undefined> {
  const view = createOperationsView({ store: p.store, engine: p.engine, connectors: [] });
  const ops = await view.connection(connection.tenant, connection.id);
  return ops?.requests.find((w) => w.window === 'app-hour')?.used;
}

function failoverSuite(makeOpener: () => Opener): void {
  let opener: Opener;
  beforeAll(() => {
    opener = makeOpener();
  });
  afterAll(async () => {
    await opener.cleanup();
  });

  /** A holder spends the hour's budget, hands over (`how`), and a second process runs in the same hour. */
  async function handOver(how: 'crash' | 'release'): Promise<void> {
    const now = midHourClock();
    const sim = await startDrChronoSimulator({ seed: 3, patients: 3, clock: now });
    const processes: Process[] = [];
    try {
      const a = await startProcess(opener, 'process-a', now);
      processes.push(a);
      const tenant = `t-${randomUUID().slice(0, 8)}`;
      const connection = await connectDrChrono(a.store, sim, { tenant, id: 'drc', now: now() });
      sim.counters.reset();
      await a.engine.runOnce(tenant, 'drc');
      const spentByA = apiRequests(sim);
      // The first run wanted more than the hour allows: it stopped at the budget.
      expect(spentByA).toBeGreaterThan(HOUR_LIMIT / 2);
      expect(spentByA).toBeLessThanOrEqual(HOUR_LIMIT);

      if (how === 'release') {
        const session = a.engine.state(tenant, 'drc')?.session;
        await a.engine.stop();
        // The lease was released only once the per-second window (kept per process) held none of
        // this process's requests: the next holder cannot overspend it either.
        expect(session?.status().requestsUsed.find((w) => w.window === 'app-second')?.used).toBe(0);
      } else {
        // kill -9: nothing released; the lease runs out (its heartbeat stopped with the run).
        const lease = connectionLeaseName(tenant, 'drc');
        const deadline = Date.now() + 10_000;
        while ((await a.store.leases.current(lease)) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(await a.store.leases.current(lease)).toBeUndefined();
      }

      const b = await startProcess(opener, 'process-b', now);
      processes.push(b);
      const run = await b.engine.runOnce(tenant, 'drc');
      expect(run.outcome).not.toBe('not_leader');
      // The simulator's own count of the hour never passes the limit, whoever sent the requests.
      expect(apiRequests(sim)).toBeLessThanOrEqual(HOUR_LIMIT);
      // The new holder's operations view shows the hour as spent by both, not its own share.
      expect(await hourShown(b, connection)).toBeGreaterThanOrEqual(apiRequests(sim));
    } finally {
      for (const p of processes) {
        await p.engine.stop();
        await p.store.close();
      }
      await sim.close();
    }
  }

  it('a holder that dies (kill -9) leaves its hour spent: the next holder starts from it', async () => {
    await handOver('crash');
  }, 60_000);

  it('a holder that hands over at shutdown leaves its hour spent: the next holder starts from it', async () => {
    await handOver('release');
  }, 60_000);

  describe('reservations', () => {
    const hour: BudgetWindow = { name: 'app-hour', limit: 100, windowMs: HOUR, kind: 'fixed' };
    const budgetOver = (store: Store, now: () => number): RequestBudget =>
      createSharedBudget(createRequestBudget([hour], now), {
        store: store.budgets,
        budgetKey: `drchrono:test:${randomUUID()}`,
        windows: [hour],
        now,
      });
    /** Takes up to `n` slots as the HTTP client does; answers how many it got before the store refused. */
    const take = async (budget: RequestBudget, n: number): Promise<number> => {
      let taken = 0;
      while (taken < n) {
        if (((await budget.prepare?.('GET /api/patients')) ?? 0) > 0) break;
        const wait = budget.tryTake('GET /api/patients');
        if (wait === 0) taken++;
        else if (wait > 1) break;
      }
      return taken;
    };

    /** Two processes' stores on one database, and a shared budget over either (one key per test). */
    const withTwoHolders = async (
      fn: (holders: {
        first: Store;
        second: Store;
        make: (store: Store) => RequestBudget;
        budgetKey: string;
      }) => Promise<void>,
    ): Promise<void> => {
      const now = midHourClock();
      const [first, second] = [await opener.open(now), await opener.open(now)];
      const budgetKey = `drchrono:test:${randomUUID()}`;
      const make = (store: Store) =>
        createSharedBudget(createRequestBudget([hour], now), {
          store: store.budgets,
          budgetKey,
          windows: [hour],
          now,
        });
      try {
        await fn({ first, second, make, budgetKey });
      } finally {
        await first.close();
        await second.close();
      }
    };

    it('counts a block a dead holder reserved but never used, so the hour cannot exceed its limit', async () => {
      await withTwoHolders(async ({ first, second, make }) => {
        // The first holder reserves a block of 10 and sends 3 requests, then dies.
        expect(await take(make(first), 3)).toBe(3);
        // The next holder gets the rest of the hour and no more: the 7 unused slots stay spent.
        const next = make(second);
        expect(await take(next, 200)).toBe(90);
        expect(3 + 90).toBeLessThanOrEqual(hour.limit);
        expect(next.usage()[0]?.used).toBe(100);
      });
    });

    it('lets a stale holder (its lease lost) add to the stored count but never lower it', async () => {
      await withTwoHolders(async ({ first, second, make, budgetKey }) => {
        const lease = `budget-lease-${randomUUID()}`;
        const held = await first.leases.acquire(lease, 'a', 50);
        const stale = make(first);
        expect(await take(stale, 5)).toBe(5);
        await new Promise((resolve) => setTimeout(resolve, 60));
        // The lease ran out; another holder took it and spent 25 of the hour.
        expect(await second.leases.acquire(lease, 'b', 60_000)).toBeDefined();
        expect(held && (await first.leases.renew(held, 60_000))).toBeUndefined();
        expect(await take(make(second), 25)).toBe(25);
        const window = { kind: 'fixed', windowMs: HOUR, limit: hour.limit, holdMs: 0 } as const;
        const storeKey = sharedBudgetKey(budgetKey, hour);
        const before = await second.budgets.used(storeKey, window);
        expect(before).toBeGreaterThanOrEqual(30);
        // The stale holder knows only its own 5; what it does next only adds.
        expect(await take(stale, 6)).toBe(6);
        await stale.refresh?.();
        const after = await second.budgets.used(storeKey, window);
        expect(after).toBeGreaterThanOrEqual(before);
        expect(stale.usage()[0]?.used).toBeGreaterThanOrEqual(30);
      });
    });

    it('shows every holder’s use once refreshed, not only its own', async () => {
      await withTwoHolders(async ({ first, second, make }) => {
        const mine = make(first);
        expect(await take(mine, 2)).toBe(2);
        expect(await take(make(second), 30)).toBe(30);
        // What this process last read from the store: its own 2.
        expect(mine.usage()[0]?.used).toBe(2);
        await mine.refresh?.();
        // Both processes' requests (the store's 40 reserved, less this process's 8 unused slots).
        expect(mine.usage()[0]?.used).toBe(32);
      });
    });

    it('counts exactly what one process sends, and lets no request go when the store cannot reserve (a clear error)', async () => {
      const now = midHourClock();
      const store = await opener.open(now);
      try {
        const budget = budgetOver(store, now);
        expect(await take(budget, 12)).toBe(12);
        expect(budget.usage()[0]).toMatchObject({ window: 'app-hour', used: 12, limit: 100 });
        await store.close();
        // The store gone: no slot can be reserved, so no request may go.
        await expect(take(budgetOver(store, now), 1)).rejects.toMatchObject({
          name: 'SourceError',
          code: 'unavailable',
          message: 'request budget app-hour could not be reserved in the store',
        });
      } finally {
        await store.close().catch(() => undefined);
      }
    });
  });
}

describe('request budgets across a failover (SQLite)', () => {
  failoverSuite(sqliteOpener);
});

describe('request budgets across a failover (Mongo adapter on FerretDB)', () => {
  let server: TestMongo;
  beforeAll(async () => {
    server = await mongoForTests();
  });
  afterAll(async () => {
    await server?.stop();
  });
  failoverSuite(() => mongoOpener(() => server));
});
