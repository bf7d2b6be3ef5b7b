import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Resource } from 'fhir/r4';
import { afterEach, describe, expect, it } from 'vitest';
import { createChangeCursors } from '../../src/store/cursor.ts';
import { CursorExpiredError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { createSqliteChanges } from '../../src/store/sqlite/sqlite-changes.ts';
import { TEST_KEY } from './harness.ts';

const T = 'clinic';
const patient = (id: string): Resource => ({ resourceType: 'Patient', id, active: true }) as Resource;

/**
 * Another process (here: another connection) can prune between the statements of a read.
 * The reader runs on its own connection whose change-log scan first lets the other prune,
 * which is exactly the interleaving that used to hand out 8, 9, 10 to a reader at 2.
 */
describe('sqlite change log under a concurrent prune', () => {
  let dir: string | undefined;
  const stores: Store[] = [];
  const databases: DatabaseSync[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of databases.splice(0)) d.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function setup() {
    dir = mkdtempSync(join(tmpdir(), 'change-log-'));
    const path = join(dir, 'gateway.db');
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const writer = openSqliteStore(path, {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(TEST_KEY),
      now: () => clock,
    });
    stores.push(writer);
    await writer.tenants.ensure(T);
    for (let i = 1; i <= 7; i++) await writer.resources.put(T, patient(`old${i}`));
    clock = Date.parse('2026-01-02T00:00:00Z');
    for (let i = 1; i <= 3; i++) await writer.resources.put(T, patient(`new${i}`));
    /** A reader connection whose scans of `changes` first run `step` (once armed). */
    const readerOver = (step: () => void) => {
      const db = new DatabaseSync(path, { timeout: 10_000 });
      databases.push(db);
      const prepare = db.prepare.bind(db);
      const stepping = new Proxy(db, {
        get: (target, name) =>
          name === 'prepare'
            ? (sql: string) => {
                const statement = prepare(sql);
                if (!/FROM changes WHERE seq >/.test(sql)) return statement;
                const all = statement.all.bind(statement);
                return Object.assign(Object.create(statement) as StatementSync, {
                  all: (...args: Parameters<StatementSync['all']>) => {
                    step();
                    return all(...args);
                  },
                });
              }
            : (Reflect.get(target, name).bind?.(target) ?? Reflect.get(target, name)),
      });
      return createSqliteChanges(stepping, createChangeCursors());
    };
    return { writer, readerOver };
  }

  it('gives a reader CursorExpiredError, never a silent gap, when a prune runs during its read', async () => {
    const { writer, readerOver } = await setup();
    let prune: Promise<number> | undefined;
    const reader = readerOver(() => {
      // The prune's transaction runs synchronously inside the call: it commits before the scan.
      prune ??= writer.changes.prune(new Date('2026-01-01T12:00:00Z'));
    });
    await expect(reader.after(writer.changes.cursorAt(2), 100, { tenant: T })).rejects.toBeInstanceOf(
      CursorExpiredError,
    );
    expect(await prune).toBe(7);
  });

  it('starts a reader without a cursor at the oldest change kept, even when the floor moves during its read', async () => {
    const { writer, readerOver } = await setup();
    let armed = true;
    const reader = readerOver(() => {
      if (!armed) return;
      armed = false;
      void writer.changes.prune(new Date('2026-01-01T12:00:00Z'));
    });
    const page = await reader.after(undefined, 100, { tenant: T });
    expect(page.changes.map((c) => c.id)).toEqual(['new1', 'new2', 'new3']);
  });

  it('opens a file written before changes carried triggers and backfill, and records them from then on', async () => {
    dir = mkdtempSync(join(tmpdir(), 'change-log-'));
    const path = join(dir, 'gateway.db');
    const options = { maxResourceBytes: 1 << 20, secretBox: createSecretBox(TEST_KEY) };
    const before = openSqliteStore(path, options);
    await before.tenants.ensure(T);
    await before.resources.put(T, patient('p1'));
    await before.close();
    const raw = new DatabaseSync(path);
    raw.exec('ALTER TABLE changes DROP COLUMN triggers; ALTER TABLE changes DROP COLUMN backfill;');
    raw.close();
    const after = openSqliteStore(path, options);
    stores.push(after);
    await after.resources.put(T, patient('p2'), { triggers: () => ['jane.patient.created'], backfill: true });
    const { changes } = await after.changes.after(undefined, 10, { tenant: T });
    expect(changes.map((c) => [c.id, c.triggers, c.backfill])).toEqual([
      ['p1', [], false],
      ['p2', ['jane.patient.created'], true],
    ]);
  });
});
