/** Runs every benchmark in turn (npm run bench). Each prints its own figures. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const benches = [
  'store.ts',
  'mapping.ts',
  'search.ts',
  'store-guards.ts',
  'graphql-hardening.ts',
  'connectors.ts',
  'sync.ts',
  'subscriptions.ts',
];
for (const bench of benches) {
  console.log(`\n=== bench/${bench}`);
  const result = spawnSync(process.execPath, [join(import.meta.dirname, bench), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
