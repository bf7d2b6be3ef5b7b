import type { DatabaseSync } from 'node:sqlite';
import type { Resource } from 'fhir/r4';
import { changeTags } from '../change-tags.ts';
import { decodeListCursor, encodeListCursor } from '../cursor.ts';
import { storeCursorSealer } from '../cursor-sealer.ts';
import { ResourceGoneError, ResourceNotFoundError } from '../errors.ts';
import type { ChangeAction, PutOptions, PutResult, ResourceKey, ResourceStore } from '../port.ts';
import {
  checkId,
  checkResourceBytes,
  checkResourceShape,
  checkTypeName,
  inputBytesFromStamped,
} from '../resource-input.ts';
import type { StoreOptions } from '../store-options.ts';
import type { TenantGuard } from '../tenant-guard.ts';
import { type CurrentVersion, planWrite, stampMeta, TOMBSTONE_HASH, tombstone } from '../versioning.ts';
import { createDateShapes } from './date-shapes.ts';
import { type ResourceRow, toStored } from './resource-row.ts';
import { createSearchIndexWriter } from './search-index.ts';
import { createSearchParamIds } from './search-param-ids.ts';
import { createSqliteSearch } from './sqlite-search.ts';
import { inSettledWriteTransaction } from './transaction.ts';

type Row = ResourceRow;

/** How long the index waits after the last deferred write before it writes the rows by itself. */
const IDLE_DRAIN_MS = 200;

/** Derived entries are answered from other rows or columns here (parameter-sources.ts). */
const STORED_ONLY = { derived: false };

export type SqliteResources = ResourceStore & {
  /** Writes the deferred index rows now (the store drains before it closes). */
  drainIndex(): void;
};

export function createSqliteResources(
  db: DatabaseSync,
  options: StoreOptions,
  tenants: TenantGuard,
): SqliteResources {
  const now = () => new Date((options.now ?? Date.now)()).toISOString();
  const { indexer } = options;
  const cursors = storeCursorSealer(options.cursorKey);
  const searchParams = createSearchParamIds(db);
  const dateShapes = createDateShapes(db);
  const searchIndex = createSearchIndexWriter(db, searchParams, dateShapes, (pending) =>
    indexer ? indexer(JSON.parse(pending.body) as Resource, STORED_ONLY) : [],
  );
  let idleDrain: NodeJS.Timeout | undefined;
  /**
   * A write transaction that settles what it staged outside SQLite with its outcome: index rows,
   * search param ids and date shapes (search-index.ts, search-param-ids.ts, date-shapes.ts).
   */
  const transaction = <T>(work: () => T): T =>
    inSettledWriteTransaction(db, [searchParams, dateShapes, searchIndex], () => {
      const result = work();
      searchIndex.settle();
      return result;
    });
  const drainIndex = () => {
    clearTimeout(idleDrain);
    idleDrain = undefined;
    if (indexer && db.isOpen && searchIndex.hasPending()) transaction(() => searchIndex.drain());
  };
  /** After a write that left rows pending: drain once writes pause, so the file catches up by itself. */
  const drainWhenIdle = () => {
    if (!indexer) return;
    clearTimeout(idleDrain);
    idleDrain = setTimeout(() => {
      try {
        drainIndex();
      } catch {
        // Nothing is lost: the rows stay pending, and the next search drains and reports the error.
      }
    }, IDLE_DRAIN_MS);
    idleDrain.unref();
  };
  const stmt = {
    current: db.prepare(
      'SELECT rid, version_id, last_updated, hash, deleted, connection FROM resources WHERE tenant = ? AND type = ? AND id = ?',
    ),
    read: db.prepare('SELECT * FROM resources WHERE tenant = ? AND type = ? AND id = ?'),
    upsertCurrent:
      db.prepare(`INSERT INTO resources (tenant, type, id, version_id, last_updated, hash, deleted, connection, body, source)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (tenant, type, id) DO UPDATE SET version_id = excluded.version_id, last_updated = excluded.last_updated,
        hash = excluded.hash, deleted = excluded.deleted, connection = excluded.connection, body = excluded.body,
        source = excluded.source
      RETURNING rid`),
    insertVersion:
      db.prepare(`INSERT INTO resource_versions (tenant, type, id, version_id, last_updated, hash, deleted, connection, body, rid)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertChange: db.prepare(
      `INSERT INTO changes (tenant, type, id, version_id, action, at, connection, triggers, backfill)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Versions are keyed by their resource's rid (schema.ts): found through the current row.
    readVersion: db.prepare(
      `SELECT v.* FROM resources r JOIN resource_versions v ON v.rid = r.rid AND v.version_id = ?
      WHERE r.tenant = ? AND r.type = ? AND r.id = ?`,
    ),
    history: db.prepare(
      `SELECT v.* FROM resources r JOIN resource_versions v ON v.rid = r.rid
      WHERE r.tenant = ? AND r.type = ? AND r.id = ? ORDER BY v.version_id`,
    ),
    list: db.prepare(
      'SELECT * FROM resources WHERE tenant = ? AND type = ? AND deleted = 0 AND id > ? ORDER BY id LIMIT ?',
    ),
  };

  /** The change row's trigger ids (JSON) and backfill flag, from the write's options. */
  const changeExtras = (
    opts: PutOptions | undefined,
    type: string,
    action: ChangeAction,
    resource: () => Resource,
  ): [string, number] => {
    const tags = changeTags(opts, type, action, resource);
    return [JSON.stringify(tags.triggers), tags.backfill ? 1 : 0];
  };

  const writeOne = (tenant: string, input: Resource, opts: PutOptions | undefined, at: string): PutResult => {
    const connection = opts?.connection ?? null;
    const type = input.resourceType;
    const id = input.id as string;
    const current = stmt.current.get(tenant, type, id) as CurrentRow | undefined;
    const plan = planWrite(toCurrent(current), input, at);
    const max = options.maxResourceBytes;
    if (plan.kind === 'unchanged') {
      checkResourceBytes(Buffer.byteLength(JSON.stringify(input)), max);
      // The same content as the stored version (equal hashes): answered from the input stamped with
      // that version, rather than reading and parsing the stored body again (a re-poll's common case).
      // planWrite answers unchanged only against a current version.
      const { version_id, last_updated, hash, connection: stored } = current as CurrentRow;
      return {
        outcome: 'unchanged',
        seq: undefined,
        stored: {
          tenant,
          type,
          id,
          versionId: version_id,
          lastUpdated: last_updated,
          hash,
          deleted: false,
          connection: stored ?? undefined,
          resource: stampMeta(input, version_id, last_updated),
        },
      };
    }
    const body = JSON.stringify(plan.resource);
    // The limit is on the input's JSON, measured from the body: one serialization, not two.
    checkResourceBytes(inputBytesFromStamped(input, plan.resource, body), max);
    const values = [tenant, type, id, plan.versionId, at, plan.hash, 0, connection, body] as const;
    const source = plan.resource.meta?.source ?? null;
    const { rid } = stmt.upsertCurrent.get(...values, source) as { rid: number };
    stmt.insertVersion.run(...values, rid);
    // Indexed from the stamped copy; extracted now, so an indexer error fails this write.
    if (indexer)
      searchIndex.stage(rid, plan.versionId, tenant, type, indexer(plan.resource, STORED_ONLY), !current);
    const extras = changeExtras(opts, type, plan.action, () => plan.resource);
    const change = stmt.insertChange.run(
      tenant,
      type,
      id,
      plan.versionId,
      plan.action,
      at,
      connection,
      ...extras,
    );
    return {
      outcome: plan.action,
      seq: Number(change.lastInsertRowid),
      stored: {
        tenant,
        type,
        id,
        versionId: plan.versionId,
        lastUpdated: at,
        hash: plan.hash,
        deleted: false,
        connection: connection ?? undefined,
        resource: plan.resource,
      },
    };
  };

  const putMany = async (tenant: string, resources: Resource[], opts?: PutOptions): Promise<PutResult[]> => {
    await tenants.require(tenant);
    // Sizes are checked in writeOne, inside the transaction: one too large rolls the batch back.
    const checked = resources.map(checkResourceShape);
    const at = now();
    const results = transaction(() => checked.map((r) => writeOne(tenant, r, opts, at)));
    drainWhenIdle();
    return results;
  };

  return {
    async put(tenant, resource, opts) {
      const [result] = await putMany(tenant, [resource], opts);
      return result as PutResult;
    },
    putMany,
    async read(tenant, type, id) {
      const row = stmt.read.get(tenant, type, id) as Row | undefined;
      return row ? toStored(row) : undefined;
    },
    async readMany(tenant, keys: readonly ResourceKey[]) {
      return keys.map((key) => {
        const row = stmt.read.get(tenant, key.type, key.id) as Row | undefined;
        if (!row) return new ResourceNotFoundError(key.type, key.id);
        if (row.deleted) return new ResourceGoneError(key.type, key.id);
        return toStored(row);
      });
    },
    async readVersion(tenant, type, id, versionId) {
      const row = stmt.readVersion.get(versionId, tenant, type, id) as Row | undefined;
      return row ? toStored(row) : undefined;
    },
    async history(tenant, type, id) {
      return (stmt.history.all(tenant, type, id) as Row[]).map(toStored);
    },
    async delete(tenant, type, id, opts) {
      await tenants.require(tenant);
      checkTypeName(type);
      checkId(type, id);
      const at = now();
      const result = transaction(() => {
        const current = stmt.current.get(tenant, type, id) as CurrentRow | undefined;
        if (!current || current.deleted) return { deleted: false, seq: undefined };
        const versionId = current.version_id + 1;
        const body = JSON.stringify(tombstone(type, id, versionId, at));
        // The deleted resource as it was, for the triggers (read before the tombstone replaces it).
        const extras = changeExtras(
          opts,
          type,
          'deleted',
          () => toStored(stmt.read.get(tenant, type, id) as Row).resource,
        );
        const connection = opts?.connection ?? null;
        const values = [tenant, type, id, versionId, at, TOMBSTONE_HASH, 1, connection, body] as const;
        stmt.upsertCurrent.get(...values, null);
        stmt.insertVersion.run(...values, current.rid);
        if (indexer) searchIndex.stage(current.rid, versionId, tenant, type, null, false);
        const change = stmt.insertChange.run(
          tenant,
          type,
          id,
          versionId,
          'deleted',
          at,
          connection,
          ...extras,
        );
        return { deleted: true, seq: Number(change.lastInsertRowid) };
      });
      drainWhenIdle();
      return result;
    },
    async list(tenant, type, page) {
      const scope = { tenant, type };
      const after = page.after === undefined ? '' : decodeListCursor(cursors, scope, page.after);
      const rows = stmt.list.all(tenant, type, after, page.limit + 1) as Row[];
      const items = rows.slice(0, page.limit).map(toStored);
      const last = items.at(-1);
      return {
        items,
        next: rows.length > page.limit && last ? encodeListCursor(cursors, scope, last.id) : undefined,
      };
    },
    search: createSqliteSearch(db, indexer !== undefined, {
      params: searchParams,
      dateShapes,
      drainIndex,
      cursors,
    }).search,
    drainIndex,
  };
}

type CurrentRow = {
  rid: number;
  version_id: number;
  last_updated: string;
  hash: string;
  deleted: number;
  connection: string | null;
};

function toCurrent(row: CurrentRow | undefined): CurrentVersion | undefined {
  return row ? { versionId: row.version_id, hash: row.hash, deleted: row.deleted === 1 } : undefined;
}
