import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { createDateShapes } from './date-shapes.ts';
import { applySchema } from './schema.ts';
import { createSearchParamIds } from './search-param-ids.ts';
import { inWriteTransaction } from './transaction.ts';

function open() {
  const db = new DatabaseSync(':memory:');
  applySchema(db);
  const pid = inWriteTransaction(db, () => createSearchParamIds(db).ensure('t', 'Observation', 'date'));
  const stored = () => db.prepare('SELECT max_entries, max_width FROM search_params WHERE pid = ?').get(pid);
  return { db, pid, shapes: createDateShapes(db), stored };
}

describe('date shapes', () => {
  it('only widen: the most entries one resource had, and the widest entry', () => {
    const { db, pid, shapes, stored } = open();
    expect(shapes.read([pid]).get(pid)).toEqual({ maxEntries: 0, maxWidth: 0 });
    inWriteTransaction(db, () => {
      shapes.record(pid, 1, 1000);
      shapes.record(pid, 1, 500);
    });
    expect(stored()).toEqual({ max_entries: 1, max_width: 1000 });
    inWriteTransaction(db, () => shapes.record(pid, 2, 10));
    expect(stored()).toEqual({ max_entries: 2, max_width: 1000 });
  });

  it('a widening rolled back is recorded again by the next write', () => {
    const { db, pid, shapes, stored } = open();
    expect(() =>
      inWriteTransaction(db, () => {
        shapes.record(pid, 3, 10);
        throw new Error('the transaction fails');
      }),
    ).toThrow('the transaction fails');
    shapes.rolledBack();
    expect(stored()).toEqual({ max_entries: 0, max_width: 0 });
    inWriteTransaction(db, () => shapes.record(pid, 3, 10));
    expect(stored()).toEqual({ max_entries: 3, max_width: 10 });
  });

  it('a parameter indexed before shapes were recorded stays unknown', () => {
    const db = new DatabaseSync(':memory:');
    db.exec(`CREATE TABLE search_params (pid INTEGER PRIMARY KEY, tenant TEXT NOT NULL, type TEXT NOT NULL,
      param TEXT NOT NULL, UNIQUE (tenant, type, param));
      INSERT INTO search_params (tenant, type, param) VALUES ('t', 'Observation', 'date');`);
    applySchema(db); // adds the shape columns, NULL for what is already there
    const shapes = createDateShapes(db);
    inWriteTransaction(db, () => shapes.record(1, 1, 1000));
    expect(shapes.read([1]).get(1)).toBeUndefined();
  });
});
