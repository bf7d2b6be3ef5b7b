import pino from 'pino';
import { createSyncEngine } from '../../src/sync/sync-engine.ts';
import type { WorkerTarget } from '../store/harness.ts';
import { openForWorker } from '../store/open-for-worker.ts';
import { loadTestMappings } from './test-mappings.ts';
import { testConnector, testRow } from './test-source.ts';

/**
 * A gateway process reduced to its sync: polls one connection of the test source into a store (a
 * SQLite file or a Mongo database, given as a JSON WorkerTarget) until a run completes, printing
 * `page` after each committed page. The crash test kills it with SIGKILL mid-backfill and starts
 * another (a new lease holder) on the same store.
 */
const [target, url, holder] = process.argv.slice(2) as [string, string, string];
const store = await openForWorker(JSON.parse(target) as WorkerTarget);
const engine = createSyncEngine({
  store,
  mappings: loadTestMappings(),
  log: pino({ level: 'silent' }),
  holder,
  leaseTtlMs: 1_000,
  connectors: [testConnector({ url }, [testRow('patients')], [], { pageSize: 250 })],
  onPage: () => process.stdout.write('page\n'),
});
for (;;) {
  const run = await engine.runOnce('crash', 'dc.main');
  if (run.outcome === 'completed') break;
  // The killed process's lease runs out after its TTL; until then this one is not the leader.
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await engine.stop();
await store.close();
process.stdout.write('done\n');
