/**
 * What the store's guards cost: sealing and opening a search cursor, the id checks of a read
 * next to a whole read by id through the port (SQLite), and refusing an over-limit search in
 * the parser. Usage: node bench/store-guards.ts [--ops N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Resource } from 'fhir/r4';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';
import { parseSearch } from '../src/fhir/parse-search.ts';
import { SearchError } from '../src/fhir/search-error.ts';
import { decodeSearchCursor, encodeSearchCursor } from '../src/store/cursor.ts';
import { createCursorSealer, deriveCursorKey } from '../src/store/cursor-sealer.ts';
import { createSecretBox } from '../src/store/secret-box.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { requireId } from '../src/store/validate-ids.ts';

// Not strict: `npm run bench` passes every bench the same arguments.
const { values } = parseArgs({ options: { ops: { type: 'string', default: '100000' } }, strict: false });
const ops = Number(values.ops);

/** Microseconds per call of `run`, best of 3 rounds of `n` calls. */
async function perCall(n: number, run: (k: number) => unknown): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < n; k++) await run(k);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000 / n);
  }
  return best;
}

const sealer = createCursorSealer(deriveCursorKey(Buffer.alloc(32, 5)));
const scope = { tenant: 'bench', type: 'Patient' };
const sort = [
  { param: 'family', kind: 'string' as const, descending: false },
  { param: 'birthdate', kind: 'date' as const, descending: false },
];
const position = { values: ['vandermeer', Date.parse('1975-06-15')], id: 'pat-000123' };
const cursor = encodeSearchCursor(sealer, scope, sort, position);
console.log(
  `cursor seal: ${(await perCall(ops, () => encodeSearchCursor(sealer, scope, sort, position))).toFixed(2)} µs`,
);
console.log(
  `cursor open: ${(await perCall(ops, () => decodeSearchCursor(sealer, scope, cursor, sort))).toFixed(2)} µs`,
);
console.log(`cursor length: ${cursor.length} characters`);
console.log(
  `id checks of a read (tenant, type, id): ${(
    await perCall(ops, () => {
      requireId('tenant', 'bench-tenant');
      requireId('resourceType', 'Patient');
      requireId('resourceId', 'pat-000123');
    })
  ).toFixed(3)} µs`,
);

const dir = mkdtempSync(join(tmpdir(), 'bench-guards-'));
try {
  const store = openSqliteStore(join(dir, 'guards.db'), {
    maxResourceBytes: 1 << 20,
    secretBox: createSecretBox(Buffer.alloc(32, 5)),
  });
  await store.tenants.ensure('bench');
  await store.resources.putMany(
    'bench',
    Array.from({ length: 1000 }, (_, k) => ({ resourceType: 'Patient', id: `p${k}` }) as Resource),
  );
  const reads = Math.min(ops, 50_000);
  console.log(
    `read by id through the port (SQLite, 1,000 Patients): ${(await perCall(reads, (k) => store.resources.read('bench', 'Patient', `p${k % 1000}`))).toFixed(2)} µs`,
  );
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const defs = loadFhirDefinitions({ resourceTypes: ['Patient'] });
const refuse = (params: URLSearchParams) => () => {
  try {
    parseSearch(defs, 'Patient', params);
  } catch (error) {
    if (error instanceof SearchError) return;
    throw error;
  }
  throw new Error('expected a SearchError');
};
const thousand = new URLSearchParams({
  identifier: Array.from({ length: 1000 }, (_, k) => `MRN${k}`).join(','),
});
const above = new URLSearchParams({ '_profile:above': `http://hl7.org/fhir/${'a'.repeat(16_000)}` });
console.log(`refuse 1,000 OR-ed values: ${(await perCall(1000, refuse(thousand))).toFixed(1)} µs`);
console.log(
  `refuse a 16,000-character _profile:above: ${(await perCall(1000, refuse(above))).toFixed(1)} µs`,
);
