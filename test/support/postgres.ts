import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export type RunningPostgres = { url: string; stop(): Promise<void> };

/**
 * PostgreSQL's server binaries: PG_BIN_DIR, else the newest Debian/Ubuntu install under
 * /usr/lib/postgresql, else what `pg_config --bindir` says. Undefined when there are none.
 */
export function postgresBinDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // no pg_config on PATH
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/**
 * initdb and postgres refuse to run as root (CI runs as root): then they run as the
 * `postgres` system user the Debian package creates, and the cluster directory is theirs.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined)
    throw new Error('PostgreSQL cannot run as root and there is no `postgres` user to run it as');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A throwaway PostgreSQL cluster on a free 127.0.0.1 port with one database (`name`):
 * trust auth on loopback only, durability off (tests never survive the cluster). About a
 * second to start. `stop` kills it and removes its directory.
 */
export async function startPostgres(binDir: string, name = 'ferretdb'): Promise<RunningPostgres> {
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const asServer = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(
    join(binDir, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'],
    { ...asServer, stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(binDir, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    { ...asServer, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode === null) {
      // SIGQUIT: immediate shutdown, nothing to keep.
      child.kill('SIGQUIT');
      await new Promise((r) => {
        const timer = setTimeout(r, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          r(undefined);
        });
      });
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`PostgreSQL exited with ${child.exitCode}: ${stderr}`);
    }
    try {
      execFileSync(
        join(binDir, 'createdb'),
        ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `PostgreSQL did not accept connections within 20 s: ${(err as Error).message} ${stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/${name}`, stop };
}
