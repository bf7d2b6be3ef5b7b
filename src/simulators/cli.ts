/**
 * Starts one simulator alone:
 *   npm run sim -- <jane|drchrono|epic> [--port N] [--seed FILE] [--random-seed N]
 *                  [--patients N] [--tick-ms N] [--no-limits]
 * `--seed FILE` loads native records (JSON) in addition to generated ones (`--patients 0`
 * for the file's records only).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isSimulatorSource, SIMULATORS } from './registry.ts';

const usage =
  'usage: npm run sim -- <jane|drchrono|epic> [--port N] [--seed FILE] [--random-seed N] [--patients N] [--tick-ms N] [--no-limits]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '0' },
        seed: { type: 'string' },
        'random-seed': { type: 'string', default: '1' },
        patients: { type: 'string' },
        'tick-ms': { type: 'string' },
        'no-limits': { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
})();

const source = positionals[0];
if (!source || !isSimulatorSource(source)) fail(`unknown simulator "${source ?? ''}"`);
const integer = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer`);
  return n;
};
let seedRecords: unknown;
if (values.seed) {
  try {
    seedRecords = JSON.parse(readFileSync(values.seed, 'utf8'));
  } catch (err) {
    fail(`--seed ${values.seed}: ${(err as Error).message}`);
  }
}

const patients = integer('patients', values.patients);
const tickEveryMs = integer('tick-ms', values['tick-ms']);
try {
  const sim = await SIMULATORS[source]({
    port: integer('port', values.port) ?? 0,
    seed: integer('random-seed', values['random-seed']) ?? 1,
    ...(patients !== undefined ? { patients } : {}),
    ...(tickEveryMs !== undefined ? { tickEveryMs } : {}),
    ...(seedRecords !== undefined ? { seedRecords } : {}),
    rateLimits: !values['no-limits'],
  });
  process.stdout.write(`${source} simulator listening on ${sim.url} (admin: ${sim.url}/_admin/counters)\n`);
  const stop = async () => {
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
} catch (err) {
  fail(`${source}: ${(err as Error).message}`);
}
