import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import type { IndexEntry } from '../../fhir/index-entry.ts';
import { createDateShapes } from './date-shapes.ts';
import { applySchema } from './schema.ts';
import { createSearchIndexWriter, DRAIN_AT, ENTRY_SLOTS, type PendingResource } from './search-index.ts';
import { createSearchParamIds } from './search-param-ids.ts';
import { inSettledWriteTransaction } from './transaction.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const gender = (code: string): IndexEntry => ({
  param: 'gender',
  kind: 'token',
  system: null,
  code,
  text: null,
});
const family = (value: string): IndexEntry => ({ param: 'family', kind: 'string', value, raw: value });

/** The entries a Patient body in these tests stands for: `{"gender": …, "family": […]}`. */
const entriesOf = (body: string): IndexEntry[] => {
  const parsed = JSON.parse(body) as { gender?: string; family?: string[] };
  return [...(parsed.gender ? [gender(parsed.gender)] : []), ...(parsed.family ?? []).map(family)];
};

/** A file with the store's schema, a writer on it, and what the tests read around the writer. */
function openIndex(path?: string) {
  const file = path ?? join(mkdtempSync(join(tmpdir(), 'index-writer-')), 'gateway.db');
  if (!path) dirs.push(join(file, '..'));
  const db = new DatabaseSync(file, { timeout: 5000 });
  applySchema(db);
  const params = createSearchParamIds(db);
  const reindexed: number[] = [];
  const shapes = createDateShapes(db);
  const writer = createSearchIndexWriter(db, params, shapes, (resource: PendingResource) => {
    reindexed.push(1);
    return resource.deleted ? [] : entriesOf(resource.body);
  });
  const putRow =
    db.prepare(`INSERT INTO resources (tenant, type, id, version_id, last_updated, hash, deleted, body)
    VALUES ('t', 'Patient', ?, ?, '2026-01-01T00:00:00Z', 'h', ?, ?)
    ON CONFLICT (tenant, type, id) DO UPDATE SET version_id = excluded.version_id, deleted = excluded.deleted,
      body = excluded.body RETURNING rid`);
  /** Writes resource rows and stages their entries in one transaction, as the store does. */
  const write = (
    resources: Array<{ id: string; version: number; body?: { gender?: string; family?: string[] } }>,
    failBeforeCommit = false,
  ) =>
    inSettledWriteTransaction(db, [params, shapes, writer], () => {
      const rids = resources.map(({ id, version, body }) => {
        const text = JSON.stringify(body ?? {});
        const { rid } = putRow.get(id, version, body ? 0 : 1, text) as { rid: number };
        writer.stage(rid, version, 't', 'Patient', body ? entriesOf(text) : null, version === 1);
        return rid;
      });
      writer.settle();
      if (failBeforeCommit) throw new Error('the transaction fails');
      return rids;
    });
  const rows = (table: 'idx_token' | 'idx_string', rid: number) =>
    db
      .prepare(`SELECT k - ? AS slot, ${table === 'idx_token' ? 'code' : 'value'} AS value FROM ${table}
        WHERE k >= ? AND k < ? ORDER BY k`)
      .all(rid * ENTRY_SLOTS, rid * ENTRY_SLOTS, (rid + 1) * ENTRY_SLOTS);
  const pending = () =>
    db
      .prepare('SELECT rid FROM index_pending ORDER BY rid')
      .all()
      .map((r) => r.rid);
  const drain = () => inSettledWriteTransaction(db, [params, shapes, writer], () => writer.drain());
  return {
    file,
    db,
    writer,
    reindexed,
    write,
    rows,
    pending,
    drain,
  };
}

describe('search index writer', () => {
  it('defers a single write to index_pending and writes its rows at the next drain', () => {
    const index = openIndex();
    const [rid] = index.write([{ id: 'a', version: 1, body: { gender: 'male', family: ['Ng'] } }]) as [
      number,
    ];
    expect(index.rows('idx_token', rid)).toEqual([]);
    expect(index.pending()).toEqual([rid]);
    expect(index.writer.hasPending()).toBe(true);
    index.drain();
    expect(index.rows('idx_token', rid)).toEqual([{ slot: 0, value: 'male' }]);
    expect(index.rows('idx_string', rid)).toEqual([{ slot: 0, value: 'Ng' }]);
    expect(index.pending()).toEqual([]);
    expect(index.writer.hasPending()).toBe(false);
    expect(index.reindexed).toEqual([]); // from memory, not from the body
  });

  it('writes a batch of DRAIN_AT resources in its own transaction, with nothing left pending', () => {
    const index = openIndex();
    const batch = Array.from({ length: DRAIN_AT }, (_, n) => ({
      id: `p${n}`,
      version: 1,
      body: { gender: 'female' },
    }));
    const rids = index.write(batch);
    expect(index.pending()).toEqual([]);
    expect(index.rows('idx_token', rids.at(-1) as number)).toEqual([{ slot: 0, value: 'female' }]);
  });

  it('an update rewrites only the rows that changed; the others keep their slots', () => {
    const index = openIndex();
    const [rid] = index.write([{ id: 'a', version: 1, body: { gender: 'male', family: ['Ng', 'Li'] } }]) as [
      number,
    ];
    index.drain();
    index.write([{ id: 'a', version: 2, body: { gender: 'male', family: ['Li', 'Wu'] } }]);
    index.drain();
    expect(index.rows('idx_token', rid)).toEqual([{ slot: 0, value: 'male' }]);
    // 'Ng' (slot 0) is gone, 'Li' stays at slot 1, 'Wu' takes the next free slot.
    expect(index.rows('idx_string', rid)).toEqual([
      { slot: 1, value: 'Li' },
      { slot: 2, value: 'Wu' },
    ]);
  });

  it('rewrites a kind from slot 0 once updates have used up its slots', () => {
    const index = openIndex();
    const [rid] = index.write([{ id: 'a', version: 1, body: { family: ['Ng'] } }]) as [number];
    index.drain();
    // As if thousands of updates had each moved the value up a slot.
    index.db
      .prepare('UPDATE idx_string SET k = ? WHERE k = ?')
      .run(rid * ENTRY_SLOTS + ENTRY_SLOTS - 1, rid * ENTRY_SLOTS);
    index.write([{ id: 'a', version: 2, body: { family: ['Ng', 'Wu'] } }]);
    index.drain();
    expect(index.rows('idx_string', rid)).toEqual([
      { slot: 0, value: 'Ng' },
      { slot: 1, value: 'Wu' },
    ]);
  });

  it('a deletion removes every row of the resource', () => {
    const index = openIndex();
    const [rid] = index.write([{ id: 'a', version: 1, body: { gender: 'male', family: ['Ng'] } }]) as [
      number,
    ];
    index.drain();
    index.write([{ id: 'a', version: 2 }]);
    index.drain();
    expect(index.rows('idx_token', rid)).toEqual([]);
    expect(index.rows('idx_string', rid)).toEqual([]);
  });

  it('forgets what a rolled-back transaction staged', () => {
    const index = openIndex();
    index.write([{ id: 'a', version: 1, body: { gender: 'male' } }]);
    expect(() => index.write([{ id: 'b', version: 1, body: { gender: 'female' } }], true)).toThrow(
      'the transaction fails',
    );
    // A batch big enough to drain in its transaction, failing after the drain: nothing stays.
    const batch = Array.from({ length: DRAIN_AT }, (_, n) => ({
      id: `p${n}`,
      version: 1,
      body: { gender: 'other' },
    }));
    expect(() => index.write(batch, true)).toThrow('the transaction fails');
    expect(index.db.prepare('SELECT count(*) AS n FROM idx_token').get()).toEqual({ n: 0 });
    expect(index.pending()).toHaveLength(1);
    index.drain();
    expect(index.db.prepare('SELECT code FROM idx_token ORDER BY k').all()).toEqual([{ code: 'male' }]);
    // The param id the failed drain created is forgotten too: the row's pid names a parameter.
    expect(
      index.db.prepare('SELECT p.param FROM idx_token x JOIN search_params p ON p.pid = x.pid').all(),
    ).toEqual([{ param: 'gender' }]);
  });

  it('indexes from the stored body what no writer holds in memory (a crash, or another connection)', () => {
    const first = openIndex();
    const [rid] = first.write([{ id: 'a', version: 1, body: { gender: 'male' } }]) as [number];
    first.db.close(); // its memory is gone; index_pending survives
    const second = openIndex(first.file);
    expect(second.writer.hasPending()).toBe(true);
    second.drain();
    expect(second.reindexed).toHaveLength(1);
    expect(second.rows('idx_token', rid)).toEqual([{ slot: 0, value: 'male' }]);
  });

  it('does not trust its memory for a resource another connection has since changed', () => {
    const a = openIndex();
    a.write([{ id: 'p', version: 1, body: { gender: 'male' } }]);
    const b = openIndex(a.file);
    b.drain(); // b writes p's v1 rows from the body
    b.write([{ id: 'p', version: 2, body: { gender: 'female' } }]);
    b.db.close(); // v2 pending, known only to b, which is gone
    a.drain(); // a still remembers v1: it must index v2 from the body instead
    const written = a.db.prepare('SELECT code FROM idx_token').all();
    expect(written).toEqual([{ code: 'female' }]);
    expect(a.reindexed).toHaveLength(1);
  });
});
