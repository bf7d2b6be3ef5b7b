import { resolveKeyring } from '../config/encryption-key.ts';
import { loadFhirDefinitions } from '../fhir/definitions.ts';
import { createIdentityScheme } from '../fhir/identity.ts';
import { searchIndexer } from '../fhir/search-indexer.ts';
import { createLogger } from '../log/create-logger.ts';
import { openStore } from '../store/open-store.ts';
import { loadCommandConfig } from './command-config.ts';
import { runImportCommand } from './import-command.ts';

/** `npm run import -- <file|dir> --tenant <id>`: loads FHIR resources, Bundles and NDJSON into the configured store. */
async function main(): Promise<number> {
  const config = loadCommandConfig();
  if (!config) return 2;
  const log = createLogger({ level: 'warn', destination: process.stderr });
  const definitions = loadFhirDefinitions();
  const store = await openStore(config, resolveKeyring(config, log), {
    indexer: searchIndexer(definitions),
  });
  try {
    return await runImportCommand(process.argv.slice(2), {
      store,
      definitions,
      scheme: createIdentityScheme(),
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    await store.close();
  }
}

process.exitCode = await main();
