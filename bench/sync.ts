/**
 * Sync benchmark: end-to-end backfill, simulator → connector (HTTP, OAuth) → mapping → committed
 * store, with every limit off (the simulators' rate limits and the connectors' request budgets). Records/s per source (all catalog rows of a connection), and
 * DrChrono patients alone (the issue's ≥ 5,000/s target on SQLite).
 *   node bench/sync.ts [--patients N (DrChrono patients alone)] [--all-patients N (every row)] [--store sqlite|mongo]
 *     [--patients-only (skip the every-row backfills)] [--simulator-process (DrChrono patients: the
 *     simulator in a child process, its work not counted here; it then has the other core)]
 * Peak RSS over a large backfill (DrChrono patients; the simulator runs in its own process so only
 * the gateway's memory is measured; pages stream, RSS is sampled after every page and a row is
 * printed every `--sample-every` records, default a tenth of the run):
 *   node bench/sync.ts --rss --patients N [--sample-every M] [--via bulk|list]
 * `--via list` reads the cursor-paged `/api/patients` (pages of 250, streamed by the simulator too)
 * instead of the bulk `patients_list` job, whose simulator holds every record of the job in memory
 * (a 1,000,000-patient job exceeds its process's default 4 GB heap): the gateway writes each page
 * the same way either way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSharedConnectorState } from '../src/connectors/common/connector-deps.ts';
import type { RequestBudget } from '../src/connectors/common/request-budget.ts';
import type { Connector } from '../src/connectors/connector.ts';
import { createConnectors } from '../src/connectors/registry.ts';
import {
  DEFAULT_DRCHRONO_CLIENT,
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../src/simulators/drchrono/index.ts';
import { startEpicSimulator } from '../src/simulators/epic/index.ts';
import { startJaneSimulator } from '../src/simulators/jane/index.ts';
import { openMongoStore } from '../src/store/mongo/open-mongo-store.ts';
import type { Connection, Store } from '../src/store/port.ts';
import { createSecretBox } from '../src/store/secret-box.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { createSyncEngine } from '../src/sync/sync-engine.ts';
import { connectDrChrono, connectJane } from '../test/connectors/helpers.ts';
import { startFerretdb } from '../test/support/ferretdb.ts';
import { connectEpic, projectMappings, serveJwks, silentLog } from '../test/sync/real-sources.ts';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '10000' },
    'all-patients': { type: 'string', default: '200' },
    store: { type: 'string', default: 'sqlite' },
    rss: { type: 'boolean', default: false },
    'patients-only': { type: 'boolean', default: false },
    'sample-every': { type: 'string' },
    via: { type: 'string', default: 'bulk' },
    'simulator-process': { type: 'boolean', default: false },
  },
});
const patients = Number(values.patients);
const allPatients = Number(values['all-patients']);
const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
const key = createSecretBox(Buffer.alloc(32, 9));

async function openBenchStore(name: string): Promise<{ store: Store; close(): Promise<void> }> {
  if (values.store === 'mongo') {
    const binary = process.env.FERRETDB_BIN;
    if (!binary) throw new Error('--store mongo needs FERRETDB_BIN (or run against MONGODB_URL)');
    const server = process.env.MONGODB_URL
      ? { url: process.env.MONGODB_URL, stop: async () => {} }
      : await startFerretdb(binary);
    const store = await openMongoStore(server.url, {
      dbName: `bench_sync_${name}`,
      maxResourceBytes: 1 << 20,
      secretBox: key,
    });
    return {
      store,
      close: async () => {
        await store.close();
        await server.stop();
      },
    };
  }
  const store = openSqliteStore(join(dir, `${name}.db`), { maxResourceBytes: 1 << 20, secretBox: key });
  return { store, close: () => store.close() };
}

/** A budget that never waits: the benchmark measures the sync, not the sources' limits. */
const noBudget: RequestBudget = {
  tryTake: () => 0,
  settle: () => {},
  pause: () => {},
  pausedFor: () => 0,
  usage: () => [],
};
class UnlimitedBudgets extends Map<string, RequestBudget> {
  override get(): RequestBudget {
    return noBudget;
  }
}

/**
 * Connectors whose request budgets are off, with a long request timeout: a bulk job over hundreds
 * of thousands of records takes the simulator longer to start than a test's few seconds.
 */
function unlimited(store: Store): Connector[] {
  return Object.values(
    createConnectors({
      store,
      log: silentLog,
      shared: { ...createSharedConnectorState(), budgets: new UnlimitedBudgets() },
      retry: { baseDelayMs: 5, maxDelayMs: 40, maxWaitMs: 5_000, timeoutMs: 300_000 },
    }),
  );
}

async function backfill(
  store: Store,
  connection: Connection,
  connectors: Connector[],
  onlyRow?: string,
  expectedRecords = 0,
  /** Sees each memory sample as it is taken (a long run prints its curve as it goes). */
  onSample?: (sample: MemorySample) => void,
): Promise<{
  records: number;
  resources: number;
  seconds: number;
  /**
   * CPU time of this process over the backfill (the in-process simulator's included): on a shared,
   * loaded machine wall time swings with the others' load, CPU time much less.
   */
  cpuSeconds: number;
  /**
   * Seconds until the first page was committed: a bulk backfill's job start at the source (the
   * simulator builds the whole job first) and one page; nothing can overlap it.
   */
  firstPageSeconds: number;
  peakRss: number;
  samples: MemorySample[];
}> {
  if (values.via !== 'bulk' && values.via !== 'list') throw new Error('--via is bulk or list');
  const chosen = onlyRow
    ? connectors.map((c) => ({
        ...c,
        catalog: c.catalog
          .filter((row) => row.key === onlyRow)
          .map((row) => (values.via === 'list' ? { ...row, bulkPath: undefined } : row)),
      }))
    : connectors;
  let records = 0;
  let resources = 0;
  let peakRss = process.memoryUsage().rss;
  const samples: MemorySample[] = [];
  const every = Number(values['sample-every'] ?? Math.max(1, Math.floor(expectedRecords / 10)));
  let nextSampleAt = 0;
  let started = performance.now();
  let firstPageAt: number | undefined;
  /** Where memory goes as the backfill grows: a row every `every` records, the peak after every page. */
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    if (records < nextSampleAt) return;
    const taken = {
      records,
      seconds: (performance.now() - started) / 1000,
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
      ...rssKinds(),
    };
    samples.push(taken);
    onSample?.(taken);
    nextSampleAt = (Math.floor(records / every) + 1) * every;
  };
  const engine = createSyncEngine({
    store,
    mappings: projectMappings(),
    log: silentLog,
    holder: 'bench',
    connectors: chosen,
    onPage: (event) => {
      firstPageAt ??= performance.now();
      records += event.records;
      resources += event.counts.created + event.counts.updated + event.counts.unchanged;
      sample();
    },
  });
  // Also between pages (a page's write blocks the event loop, so this samples while one is read).
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  started = performance.now();
  sample();
  const cpuBefore = process.cpuUsage();
  const run = await engine.runOnce(connection.tenant, connection.id);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  clearInterval(sampler);
  if (samples.at(-1)?.records !== records) {
    nextSampleAt = 0;
    sample();
  }
  await engine.stop();
  if (run.outcome !== 'completed')
    throw new Error(`backfill ended ${run.outcome}: ${JSON.stringify(run.rows.filter((r) => r.error))}`);
  const firstPageSeconds = ((firstPageAt ?? performance.now()) - started) / 1000;
  return { records, resources, seconds, cpuSeconds, firstPageSeconds, peakRss, samples };
}

type MemorySample = {
  records: number;
  /** Since the backfill started. */
  seconds: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** Linux only: anonymous memory (heaps, SQLite's page cache) vs file pages (SQLite's mmap of the database). */
  rssAnon?: number;
  rssFile?: number;
};

/** RssAnon and RssFile from /proc/self/status, where there is one. */
function rssKinds(): { rssAnon?: number; rssFile?: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
    return { rssAnon: kib('RssAnon'), rssFile: kib('RssFile') };
  } catch {
    return {};
  }
}

/**
 * The DrChrono simulator (limits off) in a child process, so that serving the pages is not counted
 * in this process's time or memory. On this 2-core machine it then runs beside the gateway.
 */
async function simulatorProcess(
  count: number,
): Promise<{ sim: RunningDrChronoSimulator; child: ChildProcess; close(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, '../src/simulators/cli.ts'),
      'drchrono',
      '--patients',
      String(count),
      '--no-limits',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const found = /listening on (\S+)/.exec(d.toString());
      if (found?.[1]) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  // What connectDrChrono reads of a running simulator: its URL and OAuth client.
  const sim = { url, client: DEFAULT_DRCHRONO_CLIENT } as unknown as RunningDrChronoSimulator;
  return {
    sim,
    child,
    close: async () => {
      child.kill('SIGTERM');
    },
  };
}

/** VmHWM (peak RSS) of another process, where /proc has it. */
function peakRssOf(pid: number | undefined): number | undefined {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
  } catch {
    return undefined;
  }
}

function filesSize(folder: string): number {
  return readdirSync(folder).reduce((sum, name) => sum + statSync(join(folder, name)).size, 0);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

if (values.rss) {
  // The simulator in its own process: this process's RSS is the gateway's alone.
  const { sim, child } = await simulatorProcess(patients);
  const { store, close } = await openBenchStore('rss');
  try {
    const connection = await connectDrChrono(store, sim, { tenant: 'bench', id: 'dc' });
    const before = process.memoryUsage().rss;
    const loadBefore = loadavg()[0] ?? 0;
    console.log(
      '| records | seconds | RSS | anonymous | file pages (SQLite mmap) | V8 heap used | external |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const opt = (bytes: number | undefined) =>
      bytes === undefined || Number.isNaN(bytes) ? 'n/a' : mb(bytes);
    const result = await backfill(store, connection, unlimited(store), 'patients', patients, (s) =>
      console.log(
        `| ${fmt(s.records)} | ${s.seconds.toFixed(0)} | ${mb(s.rss)} | ${opt(s.rssAnon)} | ${opt(s.rssFile)} | ${mb(s.heapUsed)} | ${mb(s.external)} |`,
      ),
    );
    const loadAfter = loadavg()[0] ?? 0;
    console.log(
      `DrChrono patients backfill (${values.via === 'list' ? 'cursor-paged list' : 'bulk job'}), ${fmt(result.records)} records on ${values.store}: ${fmt(result.records / result.seconds)} records/s, ` +
        `RSS before ${mb(before)}, peak ${mb(result.peakRss)}, ${result.seconds.toFixed(1)} s; ` +
        `load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; ` +
        `simulator process peak RSS ${opt(peakRssOf(child.pid))}; database files ${mb(filesSize(dir))}`,
    );
  } finally {
    child.kill('SIGTERM');
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  const rows: string[] = [];
  const report = (
    what: string,
    r: { records: number; resources: number; seconds: number; cpuSeconds: number; firstPageSeconds: number },
  ) =>
    rows.push(
      `| ${what} | ${fmt(r.records)} | ${fmt(r.records / r.seconds)} | ${fmt(r.resources / r.seconds)} | ${r.seconds.toFixed(1)} | ${fmt(r.records / r.cpuSeconds)} | ${r.firstPageSeconds.toFixed(2)} |`,
    );
  try {
    {
      const big = values['simulator-process']
        ? await simulatorProcess(patients)
        : await startDrChronoSimulator({ seed: 1, patients, rateLimits: false }).then((sim) => ({
            sim,
            close: () => sim.close(),
          }));
      const a = await openBenchStore('drchrono_patients');
      report(
        values['simulator-process']
          ? 'DrChrono patients only (simulator in its own process)'
          : 'DrChrono patients only',
        await backfill(
          a.store,
          await connectDrChrono(a.store, big.sim, { tenant: 'bench', id: 'dc' }),
          unlimited(a.store),
          'patients',
        ),
      );
      await a.close();
      await big.close();
    }
    if (!values['patients-only']) {
      const sim = await startDrChronoSimulator({ seed: 1, patients: allPatients, rateLimits: false });
      const b = await openBenchStore('drchrono_all');
      report(
        'DrChrono, all rows',
        await backfill(
          b.store,
          await connectDrChrono(b.store, sim, { tenant: 'bench', id: 'dc' }),
          unlimited(b.store),
        ),
      );
      await b.close();
      await sim.close();
    }
    if (!values['patients-only']) {
      const sim = await startJaneSimulator({ seed: 1, patients: allPatients, rateLimits: false });
      const s = await openBenchStore('jane');
      report(
        'Jane, all rows',
        await backfill(
          s.store,
          await connectJane(s.store, sim, { tenant: 'bench', id: 'jane' }),
          unlimited(s.store),
        ),
      );
      await s.close();
      await sim.close();
    }
    if (!values['patients-only']) {
      const sim = await startEpicSimulator({ seed: 1, patients: allPatients, bulkPollsBeforeComplete: 0 });
      const s = await openBenchStore('epic');
      const jwks = await serveJwks(s.store);
      const connectors = unlimited(s.store);
      report(
        'Epic, all rows',
        await backfill(
          s.store,
          await connectEpic(s.store, sim, jwks.url, { tenant: 'bench', id: 'epic' }),
          connectors,
        ),
      );
      await jwks.close();
      await s.close();
      await sim.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nSync backfill, ${values.store}, ${fmt(patients)} patients per simulator (simulator in-process, limits off)\n`,
  );
  console.log(
    `load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')} at the end\n`,
  );
  console.log(
    '| what | native records | records/s | resources/s | seconds | records per CPU-second | first page committed after (s) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}
