/**
 * The sync's two CPU parts apart, without HTTP: maps N DrChrono patients (map + validate, timed),
 * then writes them with putMany in pages of 1,000 records into a fresh SQLite file (store, timed:
 * CPU and wall), then re-puts five pages unchanged (scaled to all pages). Three rounds. CPU time
 * moves much less than wall time on a shared, loaded machine.
 *   node bench/sync-phases.ts [N, default 20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { generateDrChronoDataset } from '../src/simulators/drchrono/dataset.ts';
import { createSecretBox } from '../src/store/secret-box.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { projectMappings } from '../test/sync/real-sources.ts';

const n = Number(process.argv[2] ?? 20000);
const ds = generateDrChronoDataset(1, n);
const records = Array.from({ length: n }, (_, i) =>
  JSON.parse(JSON.stringify(ds.record('patients', i).record)),
);
const m = projectMappings();
const scope = { tenant: 'bench', connectionId: 'dc', source: 'drchrono' as const };
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (let round = 0; round < 3; round++) {
  let t = cpu();
  const resources: Resource[][] = [];
  let page: Resource[] = [];
  for (const [i, r] of records.entries()) {
    const res = m.forward('drchrono', 'patients', r, scope);
    if (!res.ok) throw new Error(JSON.stringify(res));
    page.push(...res.resources);
    if ((i + 1) % 1000 === 0) {
      resources.push(page);
      page = [];
    }
  }
  const mapMs = cpu() - t;
  const dir = mkdtempSync(join(tmpdir(), 'phases-'));
  const store = openSqliteStore(join(dir, 'x.db'), {
    maxResourceBytes: 1 << 20,
    secretBox: createSecretBox(Buffer.alloc(32, 9)),
  });
  await store.tenants.ensure('bench');
  t = cpu();
  const w0 = performance.now();
  for (const p of resources)
    await store.resources.putMany('bench', p, { connection: 'dc', backfill: true, triggers: () => ['x.y'] });
  const storeMs = cpu() - t;
  const storeWall = performance.now() - w0;
  t = cpu();
  for (const p of resources.slice(0, 5))
    await store.resources.putMany('bench', p, { connection: 'dc', backfill: true });
  const unchangedMs = ((cpu() - t) / 5) * resources.length;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `round ${round}: map+validate ${mapMs.toFixed(0)} ms cpu (${((n / mapMs) * 1000).toFixed(0)}/s); store ${storeMs.toFixed(0)} ms cpu ${storeWall.toFixed(0)} wall (${((n / storeMs) * 1000).toFixed(0)}/s); unchanged re-put ~${unchangedMs.toFixed(0)} ms`,
  );
}
