/**
 * Subscription latency: commit-to-client p50/p99 with N subscribers while a writer commits at a
 * fixed rate, over SSE and over graphql-ws on loopback. The gateway (store, tailer, feed, GraphQL
 * server) and the writer run here; the subscribers in a child process (bench/subscription-clients.ts).
 * "Commit" is when the writer's putMany resolved; "client" is when the subscriber parsed the event.
 *   node bench/subscriptions.ts [--subscribers 100] [--rate 1000] [--seconds 5] [--transport sse|ws|both] [--store sqlite|mongo] [--poll-ms 250] [--buffer 1000]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Resource } from 'fhir/r4';
import { createApp } from '../src/app.ts';
import { createApiKeyService } from '../src/auth/api-keys.ts';
import { createChangeFeed } from '../src/events/change-feed.ts';
import { createChangeTailer } from '../src/events/change-tailer.ts';
import { createEventCursors } from '../src/events/event-cursors.ts';
import { notifyOnCommit } from '../src/events/notify-on-commit.ts';
import { ALL_TRIGGERS } from '../src/events/trigger-catalog.ts';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';
import { createLogger } from '../src/log/create-logger.ts';
import { createGatewayGraphQL } from '../src/server/gateway-graphql.ts';
import { openMongoStore } from '../src/store/mongo/open-mongo-store.ts';
import type { Store } from '../src/store/port.ts';
import { createSecretBox } from '../src/store/secret-box.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { startFerretdb } from '../test/support/ferretdb.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    transport: { type: 'string', default: 'both' },
    store: { type: 'string', default: 'sqlite' },
    'poll-ms': { type: 'string', default: '250' },
    buffer: { type: 'string', default: '1000' },
  },
});
const subscribers = Number(values.subscribers);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const pollMs = Number(values['poll-ms']);
const BATCH = 10;
const clock = () => performance.timeOrigin + performance.now();

async function openBenchStore(dir: string): Promise<{ store: Store; close(): Promise<void> }> {
  const secretBox = createSecretBox(Buffer.alloc(32, 9));
  if (values.store === 'mongo') {
    const binary = process.env.FERRETDB_BIN;
    const server = process.env.MONGODB_URL
      ? { url: process.env.MONGODB_URL, stop: async () => {} }
      : binary
        ? await startFerretdb(binary)
        : undefined;
    if (!server) throw new Error('--store mongo needs FERRETDB_BIN or MONGODB_URL');
    const store = await openMongoStore(server.url, {
      dbName: `bench_subs_${Date.now()}`,
      maxResourceBytes: 1 << 20,
      secretBox,
    });
    return {
      store,
      async close() {
        await store.close();
        await server.stop();
      },
    };
  }
  const store = openSqliteStore(join(dir, 'gateway.db'), { maxResourceBytes: 1 << 20, secretBox });
  return { store, close: () => store.close() };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function run(transport: 'sse' | 'ws'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-subs-'));
  const opened = await openBenchStore(dir);
  const log = createLogger({ level: 'silent' });
  const definitions = loadFhirDefinitions();
  const tailer = createChangeTailer({ changes: opened.store.changes, log, pollMs });
  const store = notifyOnCommit(opened.store, tailer.wake);
  const cursors = createEventCursors([Buffer.alloc(32, 1)]);
  const feed = createChangeFeed({
    store,
    tailer,
    cursors,
    resourceTypes: definitions.resourceTypes,
    triggers: ALL_TRIGGERS,
    log,
    pollMs,
    bufferSize: Number(values.buffer),
  });
  await tailer.start();
  const keys = createApiKeyService({ store });
  await store.tenants.ensure('bench');
  const token = (await keys.create({ tenant: 'bench', scopes: ['subscribe', 'read'] })).token;
  const graphql = createGatewayGraphQL({ store, definitions, keys, log, feed });
  const app = createApp({ store, log, graphql });
  const server = createServer(app.handle);
  server.on('upgrade', app.upgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  const total = rate * seconds;
  const after = cursors.encode('bench', await store.changes.highWaterMark());
  const child = fork(join(import.meta.dirname, 'subscription-clients.ts'), [
    url,
    token,
    transport,
    String(subscribers),
    String(total),
    after,
  ]);
  type Result = {
    arrivals: Array<{ ids: string[]; at: number[] }>;
    resyncs: number;
    reconnects: number;
    cpu: { user: number; system: number };
  };
  const result = new Promise<Result>((resolve, reject) => {
    child.on('message', (m: Partial<Result>) => m.arrivals && resolve(m as Result));
    child.on('exit', (code) => code !== 0 && reject(new Error(`clients exited with ${code}`)));
  });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  // Let every subscription reach the server and go live before timing starts.
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  const committedAt = new Map<string, number>();
  // CPU time of this process (gateway + writer) from the first write until every client is done:
  // steadier than latency on a loaded machine, so runs can be compared across builds.
  const cpuBefore = process.cpuUsage();
  const started = clock();
  for (let written = 0; written < total; written += BATCH) {
    const due = started + (written / rate) * 1000;
    const wait = due - clock();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const batch: Resource[] = [];
    for (let i = written; i < written + BATCH; i++)
      batch.push({ resourceType: 'Patient', id: `p${i}`, active: true } as Resource);
    await store.resources.putMany('bench', batch);
    const at = clock();
    for (const r of batch) committedAt.set(r.id as string, at);
  }
  const writeSeconds = (clock() - started) / 1000;
  const { arrivals, resyncs, reconnects, cpu: clientCpu } = await result;
  const cpu = process.cpuUsage(cpuBefore);
  const latencies: number[] = [];
  for (const sub of arrivals)
    for (const [i, id] of sub.ids.entries())
      latencies.push((sub.at[i] as number) - (committedAt.get(id) as number));
  latencies.sort((a, b) => a - b);
  const inOrder = arrivals.every((s) => s.ids.every((id, i) => id === `p${i}`));
  console.log(
    `| ${transport} | ${values.store} | ${subscribers} | ${Math.round(total / writeSeconds)} | ${latencies.length} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${latencies.at(-1)?.toFixed(1)} | ${pollMs} | ${inOrder ? 'yes' : 'NO'} | ${resyncs} | ${reconnects} | ${((cpu.user + cpu.system) / 1000).toFixed(0)} | ${((clientCpu.user + clientCpu.system) / 1000).toFixed(0)} |`,
  );
  await app.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await tailer.stop();
  await opened.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  '| transport | store | subscribers | events/s written | deliveries | p50 ms | p99 ms | max ms | poll ms | every subscriber complete, in order | RESYNCs (resubscribed) | dropped connections (resumed) | gateway CPU ms | clients CPU ms |',
);
console.log(
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
);
for (const transport of values.transport === 'both'
  ? (['sse', 'ws'] as const)
  : [values.transport as 'sse' | 'ws'])
  await run(transport);
