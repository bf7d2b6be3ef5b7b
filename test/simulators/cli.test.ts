import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '../../src/simulators/cli.ts');

function run(
  args: string[],
  untilListening: boolean,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (untilListening && out.includes('listening on')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe('npm run sim', () => {
  it.each(['jane', 'drchrono', 'epic'])('starts the %s simulator alone on a free port', async (source) => {
    const { out } = await run([source, '--port', '0', '--patients', '5'], true);
    expect(out).toMatch(new RegExp(`^${source} simulator listening on http://127\\.0\\.0\\.1:\\d+`));
  });

  it('serves a seed file of native records', async () => {
    const file = join(tmpdir(), `jane-seed-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({}));
    const { out } = await run(['jane', '--seed', file, '--patients', '0'], true);
    expect(out).toContain('jane simulator listening');
  });

  it('refuses an unknown source, a bad number and a malformed seed file with a clear message', async () => {
    const unknown = await run(['nope'], false);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown simulator "nope"');
    const badPort = await run(['jane', '--port', 'abc'], false);
    expect(badPort.code).toBe(2);
    expect(badPort.err).toContain('--port must be a non-negative integer');
    const file = join(tmpdir(), `bad-seed-${process.pid}.json`);
    writeFileSync(file, '{"patients": "x"}');
    const badSeed = await run(['jane', '--seed', file], false);
    expect(badSeed.code).toBe(2);
    expect(badSeed.err).toMatch(/jane: Invalid Jane seed records/);
  });
});
