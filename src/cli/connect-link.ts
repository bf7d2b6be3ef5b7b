import { parseArgs } from 'node:util';
import pino from 'pino';
import { resolveEncryptionKey } from '../config/encryption-key.ts';
import { SOURCE_SYSTEMS, type SourceSystem } from '../fhir/identity.ts';
import { createLogger } from '../log/create-logger.ts';
import { mintConnectLink } from '../server/connect/connect-link.ts';
import { createConnectSeal } from '../server/connect/connect-seal.ts';
import { loadCommandConfig } from './command-config.ts';

/**
 * `npm run connect-link -- --tenant <id> --source jane|drchrono|epic [--ttl-minutes 15]
 * [--gateway-url http://host:port]`: prints a single-use connect link. It uses the same
 * configuration (and data-encryption key) as the gateway, which must verify the link.
 */
function main(argv: string[]): number {
  const usage =
    'usage: npm run connect-link -- --tenant <id> --source jane|drchrono|epic [--ttl-minutes N] [--gateway-url URL]';
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string' },
        source: { type: 'string' },
        'ttl-minutes': { type: 'string' },
        'gateway-url': { type: 'string' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  const source = values.source as SourceSystem | undefined;
  if (!values.tenant || !source || !SOURCE_SYSTEMS.includes(source)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const ttlMinutes = Number(values['ttl-minutes'] ?? '15');
  if (!Number.isFinite(ttlMinutes) || ttlMinutes <= 0 || ttlMinutes > 24 * 60) {
    process.stderr.write('--ttl-minutes must be between 1 and 1440\n');
    return 2;
  }
  const config = loadCommandConfig();
  if (!config) return 2;
  // Notices go to stderr: stdout carries only the link.
  const key = resolveEncryptionKey(config, createLogger({ level: 'warn', destination: pino.destination(2) }));
  const gatewayUrl = values['gateway-url'] ?? `http://${config.HOST}:${config.PORT}`;
  try {
    const link = mintConnectLink(createConnectSeal(key), {
      tenant: values.tenant,
      source,
      gatewayUrl,
      now: Date.now(),
      ttlMs: ttlMinutes * 60_000,
    });
    process.stdout.write(`${link.url}\n`);
    process.stderr.write(`single use, valid until ${link.expiresAt}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
