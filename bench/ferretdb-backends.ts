/**
 * FerretDB's two backends side by side: the lookups the mongo adapter makes, timed on a
 * collection of N documents (string `_id` equality, numeric `_id` equality, a numeric `_id`
 * range sorted with a limit, a secondary-field equality, insertOne), and the lease terms'
 * newest-term read. Median of R runs in ms. These are FerretDB's figures, not MongoDB's.
 * Usage: node bench/ferretdb-backends.ts [--docs 20000] [--runs 15] [--handler postgresql|sqlite]
 */
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { type FerretHandler, ferretdbBinary, startFerretdb } from '../test/support/ferretdb.ts';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '15' },
    handler: { type: 'string', multiple: true },
  },
});
const docs = Number(values.docs);
const runs = Number(values.runs);
const handlers = (values.handler ?? ['sqlite', 'postgresql']) as FerretHandler[];
const binary = ferretdbBinary();
if (!binary) throw new Error('no FerretDB: run `bash scripts/ferretdb.sh` or set FERRETDB_BIN');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
async function time(fn: (i: number) => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return Math.round(median(samples) * 10) / 10;
}

const rows: Array<Record<string, string | number>> = [];
for (const handler of handlers) {
  const ferret = await startFerretdb(binary, handler);
  const client = new MongoClient(ferret.url);
  try {
    await client.connect();
    const db = client.db('bench');
    const byString = db.collection<{ _id: string; tenant: string; n: number }>('strings');
    const byNumber = db.collection<{ _id: number; tenant: string }>('numbers');
    const leases = db.collection<{ _id: string; name: string; epoch: number }>('leases');
    await byString.createIndex({ tenant: 1, n: 1 });
    await leases.createIndex({ name: 1, epoch: -1 });
    const loadStart = performance.now();
    for (let from = 0; from < docs; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, docs - from) }, (_, k) => from + k);
      await byString.insertMany(batch.map((i) => ({ _id: `t1/Patient/p${i}`, tenant: `t${i % 50}`, n: i })));
      await byNumber.insertMany(batch.map((i) => ({ _id: i + 1, tenant: `t${i % 50}` })));
    }
    const loadSeconds = (performance.now() - loadStart) / 1000;
    for (let i = 0; i < 200; i++)
      await leases.insertOne({ _id: `sync/t/c${i % 20}@${i}`, name: `sync/t/c${i % 20}`, epoch: i });
    const pick = (i: number) => Math.floor(((i * 7919) % docs) + 1);
    rows.push({
      handler,
      'load docs/s': Math.round((2 * docs) / loadSeconds),
      'string _id =': await time((i) => byString.findOne({ _id: `t1/Patient/p${pick(i) - 1}` })),
      'numeric _id =': await time((i) => byNumber.findOne({ _id: pick(i) })),
      '_id > n, sort, limit 100': await time((i) =>
        byNumber
          .find({ _id: { $gt: pick(i) } })
          .sort({ _id: 1 })
          .limit(100)
          .toArray(),
      ),
      'field = (indexed)': await time((i) => byString.findOne({ tenant: 't7', n: pick(i) - 1 })),
      insertOne: await time((i) => byString.insertOne({ _id: `extra-${i}`, tenant: 'x', n: -i })),
      'newest lease term': await time((i) =>
        leases
          .find({ name: `sync/t/c${i % 20}` })
          .sort({ epoch: -1 })
          .limit(1)
          .toArray(),
      ),
    });
  } finally {
    await client.close();
    await ferret.stop();
  }
}
console.log(`FerretDB v1.24.2, ${docs} documents per collection, median of ${runs} runs (ms)`);
console.table(rows);
