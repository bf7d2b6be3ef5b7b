import pino from 'pino';
import { resolveKeyring } from '../config/encryption-key.ts';
import { createLogger } from '../log/create-logger.ts';
import { openStore } from '../store/open-store.ts';
import { rotateSecrets } from '../store/rotate-secrets.ts';
import { keyId } from '../store/secret-box.ts';
import { loadCommandConfig } from './command-config.ts';

/**
 * `npm run rotate-key`: re-seals every stored secret under DATA_ENCRYPTION_KEY, opening old
 * ones with DATA_ENCRYPTION_KEYS_PREVIOUS. Run it after making the new key current (with the
 * old one in the previous list); once it reports no failures the old key can be dropped.
 * Idempotent and safe to interrupt: rerun until it reports nothing resealed and no failures.
 * Prints a JSON summary (counts and ids, never values); exit 1 when an entry could not be
 * opened, 2 on a configuration error.
 */
async function main(): Promise<number> {
  const config = loadCommandConfig();
  if (!config) return 2;
  // Logs to stderr: stdout carries only the JSON summary.
  const log = createLogger({ level: config.LOG_LEVEL, destination: pino.destination(2) });
  const keys = resolveKeyring(config, log);
  const store = await openStore(config, keys);
  try {
    const report = await rotateSecrets(store, (event) => {
      if (event.outcome === 'failed') log.error(event, 'no key of the keyring opens this secret');
      else log.debug(event, 'secret checked');
    });
    process.stdout.write(`${JSON.stringify({ currentKeyId: keyId(keys.current), ...report })}\n`);
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

process.exitCode = await main();
