import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export type GatewayProcess = { readonly url: string; readonly child: ChildProcess };

const entry = join(import.meta.dirname, '../../src/main.ts');

/**
 * Runs the gateway as `node src/main.ts` (a real process on a real port) and answers its GraphQL
 * URL once it logs that it listens.
 */
export async function spawnGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, LOG_LEVEL: 'info', DEMO: 'off', NODE_ENV: 'development', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += String(chunk);
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway did not start: ${stderr.slice(0, 500)}`)),
      30_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${stderr.slice(0, 500)}`));
    });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'gateway listening' && entry.url) {
          clearTimeout(timer);
          resolve(`${entry.url}/graphql`);
        }
      } catch {
        // not a log line
      }
    });
  });
  return { url, child };
}

/** kill -9: no shutdown hook runs, nothing is flushed or closed. */
export async function killHard(gateway: GatewayProcess): Promise<void> {
  const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
  gateway.child.kill('SIGKILL');
  await exited;
}
