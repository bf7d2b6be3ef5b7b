import { parentPort, workerData } from 'node:worker_threads';
import type { Resource } from 'fhir/r4';
import type { WorkerTarget } from './harness.ts';
import { openForWorker } from './open-for-worker.ts';

/**
 * A writer in its own thread with its own store connection, so writers truly race
 * (separate SQLite connections / separate Mongo clients). Reports the seqs it committed.
 */
const { target, tenant, writer, count, sharedIds } = workerData as {
  target: WorkerTarget;
  tenant: string;
  writer: number;
  count: number;
  sharedIds: number;
};

const store = await openForWorker(target);
const seqs: number[] = [];
for (let i = 0; i < count; i++) {
  // Half the writes hit a few shared resources (same-resource races), half the writer's own.
  const id = i % 2 === 0 ? `shared-${i % sharedIds}` : `w${writer}-${i}`;
  const resource = {
    resourceType: 'Patient',
    id,
    active: true,
    name: [{ family: `W${writer}`, given: [`n${i}`] }],
  };
  const result = await store.resources.put(tenant, resource as Resource);
  if (result.seq !== undefined) seqs.push(result.seq);
}
await store.close();
parentPort?.postMessage({ seqs });
