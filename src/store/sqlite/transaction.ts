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

/** State kept outside SQLite for what a transaction wrote, settled with its outcome. */
export type TransactionParticipant = { committed(): void; rolledBack(): void };

/** inWriteTransaction, then each participant told whether the transaction committed or rolled back. */
export function inSettledWriteTransaction<T>(
  db: DatabaseSync,
  participants: readonly TransactionParticipant[],
  work: () => T,
): T {
  try {
    const result = inWriteTransaction(db, work);
    for (const participant of participants) participant.committed();
    return result;
  } catch (error) {
    for (const participant of participants) participant.rolledBack();
    throw error;
  }
}
