import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from './free-port.ts';
import { postgresBinDir, type RunningPostgres, startPostgres } from './postgres.ts';

export { freePort };

/** Where scripts/ferretdb.sh installs the binary (kept between runs as a cache). */
export function ferretdbBinary(): string | undefined {
  const candidates = [
    process.env.FERRETDB_BIN,
    join(
      process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/root', '.cache'),
      'fhir-gateway',
      'ferretdb-v1.24.2',
      'ferretdb',
    ),
    resolve('.cache/ferretdb/ferretdb'),
  ];
  return candidates.find((p): p is string => typeof p === 'string' && existsSync(p));
}

/**
 * FerretDB's PostgreSQL pool (default 50): an update command holds one connection per
 * matching statement until it ends, so concurrent batch writers in one test need headroom.
 */
const FERRET_PG_POOL = 100;

export type FerretHandler = 'postgresql' | 'sqlite';

/**
 * The backend FerretDB stores into: FERRETDB_HANDLER when set; else PostgreSQL when its
 * server binaries are installed (how FerretDB is deployed, and much faster: docs/ferretdb.md);
 * else SQLite, which needs nothing.
 */
export function ferretdbHandler(): FerretHandler {
  const wanted = process.env.FERRETDB_HANDLER;
  if (wanted === 'postgresql' || wanted === 'sqlite') return wanted;
  if (wanted) throw new Error(`FERRETDB_HANDLER must be postgresql or sqlite, not "${wanted}"`);
  return postgresBinDir() ? 'postgresql' : 'sqlite';
}

export type RunningFerret = { url: string; handler: FerretHandler; stop(): Promise<void> };

/**
 * Starts FerretDB on a free loopback port with private storage: a SQLite directory, or a
 * throwaway PostgreSQL cluster of its own (test/support/postgres.ts).
 */
export async function startFerretdb(
  binary: string,
  handler: FerretHandler = ferretdbHandler(),
): Promise<RunningFerret> {
  const dir = mkdtempSync(join(tmpdir(), 'ferretdb-'));
  let postgres: RunningPostgres | undefined;
  if (handler === 'postgresql') {
    const binDir = postgresBinDir();
    if (!binDir) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(
        'FERRETDB_HANDLER=postgresql but no PostgreSQL server binaries were found: install PostgreSQL (Debian: apt-get install postgresql) or set PG_BIN_DIR',
      );
    }
    postgres = await startPostgres(binDir);
  }
  const backend =
    handler === 'postgresql'
      ? [`--postgresql-url=${postgres?.url}?pool_max_conns=${FERRET_PG_POOL}`]
      : [`--sqlite-url=file:${dir}/`];
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [
      `--handler=${handler}`,
      ...backend,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    if (child.exitCode === null) child.kill('SIGKILL');
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `mongodb://127.0.0.1:${port}/`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`FerretDB exited with ${child.exitCode}: ${stderr}`);
    }
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 500 });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      await client.close();
      break;
    } catch {
      await client.close().catch(() => {});
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`FerretDB did not accept connections within 20 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { url, handler, stop };
}
