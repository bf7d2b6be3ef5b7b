import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ferretdb.ts';

const main = join(import.meta.dirname, '../../src/main.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'gw-demo-sync-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const CONNECTIONS = ['jane-demo', 'drchrono-demo', 'epic-demo'];
const DRCHRONO_CHART = ['Condition', 'MedicationRequest', 'AllergyIntolerance', 'Immunization', 'CarePlan'];

/** Counts read straight from the gateway's SQLite file (read-only, while the gateway runs). */
function storeCounts(path: string) {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const types = db
      .prepare("SELECT connection, type, COUNT(*) AS n FROM resources WHERE tenant = 'demo' GROUP BY 1, 2")
      .all() as Array<{ connection: string; type: string; n: number }>;
    const live = db
      .prepare(
        "SELECT connection, COUNT(*) AS n FROM changes WHERE tenant = 'demo' AND backfill = 0 GROUP BY 1",
      )
      .all() as Array<{ connection: string; n: number }>;
    return {
      has: (connection: string, type: string) =>
        types.some((t) => t.connection === connection && t.type === type && t.n > 0),
      live: (connection: string) => live.find((l) => l.connection === connection)?.n ?? 0,
    };
  } finally {
    db.close();
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return check();
}

describe('npm start in demo mode', () => {
  it('connects the three simulated clinics through OAuth, fills the store from all three, and keeps changes flowing', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
        PORT: String(port),
        LOG_LEVEL: 'info',
        // Faster than the defaults so the test sees live changes; the simulators tick every second.
        SYNC_CADENCE: '*/5 * * * * *',
        DEMO_TICK_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stdout.on('data', (d: Buffer) => {
      logs += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      logs += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const db = join(dataDir, 'gateway.db');
    try {
      const filled = await until(() => {
        if (!logs.includes('gateway listening')) return false;
        const counts = storeCounts(db);
        return (
          CONNECTIONS.every((c) =>
            ['Patient', 'Appointment', 'Observation'].every((t) => counts.has(c, t)),
          ) &&
          // DrChrono's chart is synced too (paced rows, backfilled at the first run).
          DRCHRONO_CHART.every((t) => counts.has('drchrono-demo', t))
        );
      }, 150_000);
      expect(filled, logs.slice(-2000)).toBe(true);
      expect(logs).toContain('demo mode: simulated clinics connected through OAuth');
      expect(logs).toContain('"msg":"sync run"');

      const flowing = await until(() => {
        const counts = storeCounts(db);
        return CONNECTIONS.every((c) => counts.live(c) > 0);
      }, 60_000);
      expect(flowing, logs.slice(-2000)).toBe(true);

      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('gateway_sync_records_total{tenant="demo",connection="epic-demo"');
      expect(metrics).toContain('process_resident_memory_bytes');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 270_000);
});
