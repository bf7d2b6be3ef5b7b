import { createApiKeyService } from '../auth/api-keys.ts';
import { resolveKeyring } from '../config/encryption-key.ts';
import { createLogger } from '../log/create-logger.ts';
import { openStore } from '../store/open-store.ts';
import { loadCommandConfig } from './command-config.ts';
import { runKeysCommand } from './keys-command.ts';

/** `npm run keys -- ...`: manages API keys in the store the environment names (as `npm start` would). */
async function main(): Promise<number> {
  const config = loadCommandConfig();
  if (!config) return 2;
  const log = createLogger({ level: 'warn', destination: process.stderr });
  const store = await openStore(config, resolveKeyring(config, log));
  try {
    return await runKeysCommand(process.argv.slice(2), {
      keys: createApiKeyService({ store }),
      store,
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    await store.close();
  }
}

process.exitCode = await main();
