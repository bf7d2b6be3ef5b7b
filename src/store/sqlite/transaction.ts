import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `work` in a BEGIN IMMEDIATE transaction: the write lock is taken up front, so the
 * change-log seq is allocated under it and no reader can see a later seq before an earlier
 * one. Anything thrown rolls everything back — nothing half-written stays behind.
 */
export function inWriteTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
