/**
 * DrChrono simulator throughput: list records served per second with limits off (target
 * ≥ 5,000/s), and the cost of generating (building every record of) a 100k-patient dataset.
 * Run: node bench/simulators/drchrono.ts
 */
import { generateDrChronoDataset } from '../../src/simulators/drchrono/dataset.ts';
import { startDrChronoSimulator } from '../../src/simulators/drchrono/index.ts';

const DURATION_MS = 3000;

async function listThroughput(): Promise<void> {
  const sim = await startDrChronoSimulator({ seed: 1, patients: 5000, rateLimits: false });
  const { accessToken } = sim.issueAccessToken();
  const headers = { authorization: `Bearer ${accessToken}` };
  const resources = ['/api/patients', '/api/line_items', '/api/appointments?since=2000-01-01'];
  let records = 0;
  let requests = 0;
  const started = performance.now();
  try {
    for (let r = 0; performance.now() - started < DURATION_MS; r++) {
      let next: string | null =
        `${sim.url}${resources[r % resources.length]}${resources[r % resources.length]?.includes('?') ? '&' : '?'}page_size=250`;
      for (let pages = 0; next && pages < 8 && performance.now() - started < DURATION_MS; pages++) {
        const res = await fetch(next, { headers });
        const body = (await res.json()) as { results: unknown[]; next: string | null };
        records += body.results.length;
        requests++;
        next = body.next;
      }
    }
  } finally {
    await sim.close();
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `list: ${Math.round(records / seconds)} records/s (${requests} pages, ${records} records in ${seconds.toFixed(1)} s)`,
  );
}

function generation(patients: number): void {
  const started = performance.now();
  const ds = generateDrChronoDataset(7, patients);
  let built = 0;
  for (const resource of ds.resources()) {
    const n = ds.count(resource);
    for (let i = 0; i < n; i++) {
      ds.record(resource, i);
      built++;
    }
  }
  const ms = performance.now() - started;
  console.log(
    `generate: ${patients} patients → ${built} records built in ${(ms / 1000).toFixed(1)} s (${Math.round(built / (ms / 1000))} records/s)`,
  );
}

await listThroughput();
generation(100_000);
