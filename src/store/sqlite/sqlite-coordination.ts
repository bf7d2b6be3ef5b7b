import type { DatabaseSync } from 'node:sqlite';
import { FencedOutError } from '../errors.ts';
import type { Lease, LeaseStore, WatermarkStore } from '../port.ts';
import { inWriteTransaction } from './transaction.ts';

type LeaseRow = { name: string; holder: string; fence: number; expires_at: number };

/**
 * Leases with fencing tokens, and watermarks whose fenced writes are refused for a stale
 * holder. Expiry is judged by the store's clock (here the process sharing the file; the
 * mongo adapter uses the server's), never by the caller's idea of time.
 */
export function createSqliteCoordination(
  db: DatabaseSync,
  now: () => number,
): { leases: LeaseStore; watermarks: WatermarkStore } {
  const stmt = {
    lease: db.prepare('SELECT * FROM leases WHERE name = ?'),
    upsertLease: db.prepare(`INSERT INTO leases (name, holder, fence, expires_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, fence = excluded.fence, expires_at = excluded.expires_at`),
    expireLease: db.prepare('UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ? AND fence = ?'),
    watermark: db.prepare('SELECT value, fence FROM watermarks WHERE key = ?'),
    setWatermark: db.prepare(`INSERT INTO watermarks (key, value, fence, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, fence = excluded.fence, updated_at = excluded.updated_at`),
  };
  const toLease = (row: LeaseRow): Lease => ({
    name: row.name,
    holder: row.holder,
    fence: row.fence,
    expiresAt: row.expires_at,
  });
  const holds = (row: LeaseRow | undefined, lease: Lease, at: number) =>
    row !== undefined && row.holder === lease.holder && row.fence === lease.fence && row.expires_at > at;

  const leases: LeaseStore = {
    async acquire(name, holder, ttlMs) {
      return inWriteTransaction(db, () => {
        const at = now();
        const row = stmt.lease.get(name) as LeaseRow | undefined;
        if (row && row.expires_at > at && row.holder !== holder) return undefined;
        const fence = row && row.holder === holder && row.expires_at > at ? row.fence : (row?.fence ?? 0) + 1;
        stmt.upsertLease.run(name, holder, fence, at + ttlMs);
        return { name, holder, fence, expiresAt: at + ttlMs };
      });
    },
    async renew(lease, ttlMs) {
      return inWriteTransaction(db, () => {
        const at = now();
        if (!holds(stmt.lease.get(lease.name) as LeaseRow | undefined, lease, at)) return undefined;
        stmt.upsertLease.run(lease.name, lease.holder, lease.fence, at + ttlMs);
        return { ...lease, expiresAt: at + ttlMs };
      });
    },
    async release(lease) {
      stmt.expireLease.run(lease.name, lease.holder, lease.fence);
    },
    async current(name) {
      const row = stmt.lease.get(name) as LeaseRow | undefined;
      return row && row.expires_at > now() ? toLease(row) : undefined;
    },
  };

  const watermarks: WatermarkStore = {
    async get(key) {
      return (stmt.watermark.get(key) as { value: string } | undefined)?.value;
    },
    async set(key, value, lease) {
      inWriteTransaction(db, () => {
        const existing = stmt.watermark.get(key) as { fence: number } | undefined;
        if (lease) {
          const at = now();
          if (!holds(stmt.lease.get(lease.name) as LeaseRow | undefined, lease, at)) {
            throw new FencedOutError(key, lease.fence);
          }
          if (existing && existing.fence > lease.fence) throw new FencedOutError(key, lease.fence);
        }
        stmt.setWatermark.run(
          key,
          value,
          lease?.fence ?? existing?.fence ?? 0,
          new Date(now()).toISOString(),
        );
      });
    },
  };
  return { leases, watermarks };
}
