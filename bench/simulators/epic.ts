/**
 * Epic simulator throughput: generation time of 100k records, then list records served
 * per second when paging `Patient` searches (limits off) through sessionID next links.
 * Run: node bench/simulators/epic.ts
 */
import { generateEpicDataset, startEpicSimulator } from '../../src/simulators/epic/index.ts';

const GENERATED = 100_000;
const PATIENTS = 20_000;
const PAGE = 100;
const DURATION_MS = 5_000;

const t0 = performance.now();
let generated = 0;
for (const _ of generateEpicDataset(1, 10_000).records()) if (++generated >= GENERATED) break;
const generationMs = performance.now() - t0;
console.log(`generate ${generated} records: ${generationMs.toFixed(0)} ms`);

const sim = await startEpicSimulator({
  seed: 1,
  patients: PATIENTS,
  rateLimits: false,
  maxSearchResults: Number.POSITIVE_INFINITY,
});
const token = await sim.backendClient.fetchAccessToken();
const headers = { authorization: `Bearer ${token}` };
let records = 0;
let requests = 0;
const start = performance.now();
let url: string | undefined = `${sim.fhirBaseUrl}/Patient?birthdate=ge1900&_count=${PAGE}`;
while (performance.now() - start < DURATION_MS) {
  const res: Response = await fetch(url ?? `${sim.fhirBaseUrl}/Patient?birthdate=ge1900&_count=${PAGE}`, {
    headers,
  });
  const bundle = (await res.json()) as { entry?: unknown[]; link?: { relation: string; url: string }[] };
  if (res.status !== 200) throw new Error(`unexpected status ${res.status}`);
  records += bundle.entry?.length ?? 0;
  requests++;
  url = bundle.link?.find((l) => l.relation === 'next')?.url;
}
const seconds = (performance.now() - start) / 1000;
await sim.close();
console.log(
  `served ${records} list records in ${requests} requests over ${seconds.toFixed(1)} s: ${Math.round(records / seconds)} records/s`,
);
