import type { Resource } from 'fhir/r4';
import { loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import { searchIndexer } from '../../src/fhir/search-indexer.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { TEST_KEY } from './harness.ts';

/**
 * Writes bursts until killed; the crash test kills it with SIGKILL mid-burst. With `--indexed`
 * it indexes too, so the kill also finds index rows deferred in memory (search-index.ts).
 */
const path = process.argv[2] as string;
const indexer =
  process.argv[3] === '--indexed'
    ? searchIndexer(loadFhirDefinitions({ resourceTypes: ['Observation', 'Patient'] }))
    : undefined;
const store = openSqliteStore(path, {
  maxResourceBytes: 1024 * 1024,
  secretBox: createSecretBox(TEST_KEY),
  ...(indexer ? { indexer } : {}),
});
await store.tenants.ensure('crash');
let round = 0;
for (;;) {
  round++;
  const batch = Array.from({ length: 50 }, (_, i) => ({
    resourceType: 'Observation',
    id: `o${i % 200}-${round % 7}`,
    status: 'final',
    code: { text: `round ${round}` },
  })) as Resource[];
  await store.resources.putMany('crash', batch);
  await store.resources.put('crash', {
    resourceType: 'Patient',
    id: `p${round % 100}`,
    gender: 'other',
    birthDate: `${1900 + (round % 100)}`,
  } as Resource);
  if (round % 20 === 0) await store.resources.delete('crash', 'Patient', `p${(round + 50) % 100}`);
  if (round === 1) process.stdout.write('ready\n');
}
