import type { Resource } from 'fhir/r4';
import { changeTags } from '../change-tags.ts';
import { decodeListCursor, encodeListCursor } from '../cursor.ts';
import { storeCursorSealer } from '../cursor-sealer.ts';
import { ConcurrentWriteError, ResourceGoneError, ResourceNotFoundError } from '../errors.ts';
import type { PutOptions, PutResult, ResourceStore, StoredResource } from '../port.ts';
import { checkId, checkResourceInput, checkTypeName } from '../resource-input.ts';
import type { StoreOptions } from '../store-options.ts';
import type { TenantGuard } from '../tenant-guard.ts';
import { type PlannedWrite, planWrite, TOMBSTONE_HASH, tombstone } from '../versioning.ts';
import {
  type ChangeDoc,
  type Collections,
  isDuplicateKey,
  type ResourceDoc,
  type VersionDoc,
  WITHOUT_SEARCH_FIELDS,
} from './collections.ts';
import { docKey, filterString, findOwn } from './doc-key.ts';
import { appendChanges, type NewChange } from './mongo-change-log.ts';
import { createMongoSearch } from './mongo-search.ts';
import { NO_SEARCH_FIELDS, type SearchFields, searchFields } from './search-fields.ts';

const MAX_WRITE_ATTEMPTS = 50;
/**
 * FerretDB holds one backend connection per matching statement of an update command until
 * the command ends, so a command needs as many as it has statements and never answers once
 * its pool is empty (PostgreSQL handler: 50 by default; docs/ferretdb.md). Small chunks
 * leave room for concurrent writers.
 */
const PROJECTION_CHUNK = 16;
const keyOf = (tenant: string, type: string, id: string) => docKey(tenant, type, id);
const versionKeyOf = (tenant: string, type: string, id: string, versionId: number) =>
  docKey(tenant, type, id, versionId);

/**
 * Resources on MongoDB without relying on transactions (FerretDB has none). A write is:
 * insert the new version (unique per version number: the optimistic lock), append its
 * change, project it as current, mark it logged. A crash between steps leaves an unlogged
 * version that the next writer of that resource, or `recoverUnlogged` at open, finishes —
 * so every version gets exactly one change and readers never see a version before its change.
 */
export function createMongoResources(c: Collections, options: StoreOptions, tenants: TenantGuard) {
  const now = () => new Date((options.now ?? Date.now)()).toISOString();
  const { indexer } = options;
  const cursors = storeCursorSealer(options.cursorKey);
  /** Search fields computed while planning a version, before anything is written (an indexer error fails the put cleanly). */
  const planned = new WeakMap<VersionDoc, SearchFields>();
  const prepare = (v: VersionDoc, resource: Resource): VersionDoc => {
    if (indexer) planned.set(v, searchFields(indexer(resource)));
    return v;
  };
  /** The version document a planned (non-unchanged) write inserts, search entries included. */
  const plannedVersion = (
    tenant: string,
    type: string,
    id: string,
    at: string,
    opts: PutOptions | undefined,
    plan: Extract<PlannedWrite, { kind: 'write' }>,
  ): VersionDoc =>
    prepare(
      {
        ...versionDoc(
          tenant,
          type,
          id,
          plan.versionId,
          at,
          plan.hash,
          false,
          opts?.connection ?? null,
          plan.resource,
          plan.action,
        ),
        ...changeTags(opts, type, plan.action, () => plan.resource),
      },
      plan.resource,
    );

  /**
   * The current-resource document of a version, carrying its search fields, so the index changes
   * in the same single-document write as the resource. A version finished after a crash has no
   * planned fields: they are recomputed from its body.
   */
  const currentOf = (v: VersionDoc): ResourceDoc => {
    const doc = currentDoc(v);
    if (!indexer) return doc;
    if (v.deleted) return { ...doc, ...NO_SEARCH_FIELDS };
    return { ...doc, ...(planned.get(v) ?? searchFields(indexer(JSON.parse(v.body) as Resource))) };
  };

  const project = async (v: VersionDoc): Promise<void> => {
    const current = currentOf(v);
    try {
      await c.resources.replaceOne(
        { _id: current._id, tenant: v.tenant, versionId: { $lt: v.versionId } },
        current,
        {
          upsert: true,
        },
      );
    } catch (err) {
      if (!isDuplicateKey(err)) throw err; // a newer version is already current
    }
  };

  /** Logs, projects and marks a version; safe to run twice or concurrently for one version. */
  const finish = async (v: VersionDoc): Promise<number> => {
    const [seq] = await appendChanges(c, [changeOf(v)], now);
    await complete(v);
    return seq as number;
  };

  /** The steps after the append: project as current, then mark the version logged. */
  const complete = async (v: VersionDoc): Promise<void> => {
    await project(v);
    await c.versions.updateOne({ _id: v._id }, { $set: { logged: true } });
  };

  /**
   * Finishes the version another writer inserted under this number. A logged one is only
   * projected again, never logged again (its change may have been pruned since): on FerretDB a
   * conditional replace is not atomic, so two projections racing can leave an older version
   * current, and this is where the next writer repairs it (docs/ferretdb.md).
   */
  const settle = async (version: VersionDoc): Promise<void> => {
    const existing = await findOwn(c.versions, version._id, version.tenant);
    if (!existing) return;
    if (existing.logged) await project(existing);
    else await finish(existing);
  };

  const writeVersion = async (
    tenant: string,
    type: string,
    id: string,
    decide: (current: ResourceDoc | null) => VersionDoc | 'unchanged' | 'absent',
  ): Promise<
    { version: VersionDoc; seq: number } | { current: ResourceDoc | null; kind: 'unchanged' | 'absent' }
  > => {
    const key = keyOf(tenant, type, id);
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const current = await findOwn(c.resources, key, tenant, WITHOUT_SEARCH_FIELDS);
      const version = decide(current);
      if (version === 'unchanged' || version === 'absent') return { current, kind: version };
      try {
        await c.versions.insertOne(version);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await settle(version); // someone else wrote this version number: finish it, re-read, retry
        continue;
      }
      return { version, seq: await finish(version) };
    }
    throw new ConcurrentWriteError(type, id);
  };

  const putOne = async (
    tenant: string,
    resource: Resource,
    opts: PutOptions | undefined,
  ): Promise<PutResult> => {
    const type = resource.resourceType;
    const id = resource.id as string;
    const at = now();
    const result = await writeVersion(tenant, type, id, (current) => {
      const plan = planWrite(current ?? undefined, resource, at);
      if (plan.kind === 'unchanged') return 'unchanged';
      return plannedVersion(tenant, type, id, at, opts, plan);
    });
    if ('kind' in result) {
      return { outcome: 'unchanged', stored: toStored(result.current as ResourceDoc), seq: undefined };
    }
    return {
      outcome: result.version.action as 'created' | 'updated',
      stored: toStored(result.version),
      seq: result.seq,
    };
  };

  /**
   * Batch path: one round-trip per step for the whole batch; anything that collides with a
   * concurrent writer (or repeats a key) falls back to the one-at-a-time path.
   */
  const putBatch = async (
    tenant: string,
    resources: Resource[],
    opts: PutOptions | undefined,
  ): Promise<PutResult[]> => {
    const results: Array<PutResult | undefined> = new Array(resources.length);
    const keys = resources.map((r) => keyOf(tenant, r.resourceType, r.id as string));
    const repeated = new Set(keys.filter((k, i) => keys.indexOf(k) !== i));
    const currentDocs = new Map(
      (
        await c.resources.find({ _id: { $in: [...new Set(keys)] }, tenant }, WITHOUT_SEARCH_FIELDS).toArray()
      ).map((d) => [d._id, d]),
    );
    const at = now();
    const toWrite: Array<{ index: number; version: VersionDoc; action: 'created' | 'updated' }> = [];
    const fallback: number[] = [];
    resources.forEach((resource, index) => {
      const key = keys[index] as string;
      if (repeated.has(key)) {
        fallback.push(index);
        return;
      }
      const current = currentDocs.get(key);
      const plan = planWrite(current, resource, at);
      if (plan.kind === 'unchanged') {
        results[index] = { outcome: 'unchanged', stored: toStored(current as ResourceDoc), seq: undefined };
        return;
      }
      const version = plannedVersion(tenant, resource.resourceType, resource.id as string, at, opts, plan);
      toWrite.push({ index, version, action: plan.action });
    });
    let written = toWrite;
    if (toWrite.length > 0) {
      try {
        await c.versions.insertMany(
          toWrite.map((p) => p.version),
          { ordered: false },
        );
      } catch (err) {
        const writeErrors = (err as { writeErrors?: Array<{ index: number; code?: number }> }).writeErrors;
        if (!writeErrors || writeErrors.some((e) => e.code !== 11000)) throw err;
        const failed = new Set(writeErrors.map((e) => e.index));
        written = toWrite.filter((_, k) => !failed.has(k));
        for (const k of failed) fallback.push((toWrite[k] as (typeof toWrite)[number]).index);
      }
    }
    if (written.length > 0) {
      const seqs = await appendChanges(
        c,
        written.map((p) => changeOf(p.version)),
        now,
      );
      // FerretDB never answers an update command with more statements than its backend pool
      // has connections, so project in chunks (docs/ferretdb.md); on MongoDB this costs a
      // few more round trips per batch.
      for (let from = 0; from < written.length; from += PROJECTION_CHUNK) {
        const chunk = written.slice(from, from + PROJECTION_CHUNK);
        await c.resources
          .bulkWrite(
            chunk.map((p) => {
              const current = currentOf(p.version);
              return p.version.versionId === 1
                ? { insertOne: { document: current } }
                : {
                    replaceOne: {
                      filter: { _id: current._id, tenant, versionId: { $lt: current.versionId } },
                      replacement: current,
                    },
                  };
            }),
            { ordered: false },
          )
          .catch(async (err: unknown) => {
            // A concurrent writer got there first: re-project one by one (idempotent, never regresses).
            if (
              !isDuplicateKey((err as { writeErrors?: unknown[] }).writeErrors?.[0]) &&
              !isDuplicateKey(err)
            )
              throw err;
            for (const p of chunk) await project(p.version);
          });
      }
      await c.versions.updateMany(
        { _id: { $in: written.map((p) => p.version._id) }, tenant },
        { $set: { logged: true } },
      );
      written.forEach((p, k) => {
        results[p.index] = { outcome: p.action, stored: toStored(p.version), seq: seqs[k] };
      });
    }
    for (const index of fallback.sort((a, b) => a - b)) {
      results[index] = await putOne(tenant, resources[index] as Resource, opts);
    }
    return results as PutResult[];
  };

  const store: ResourceStore & {
    recoverUnlogged(): Promise<number>;
    completeAppended(): Promise<number>;
    adopt(changes: readonly ChangeDoc[]): Promise<void>;
  } = {
    async put(tenant, resource, opts) {
      await tenants.require(tenant);
      const { resource: checked } = checkResourceInput(resource, options.maxResourceBytes);
      return putOne(tenant, checked, opts);
    },
    async putMany(tenant, resources, opts) {
      await tenants.require(tenant);
      const checked = resources.map((r) => checkResourceInput(r, options.maxResourceBytes).resource);
      return putBatch(tenant, checked, opts);
    },
    async read(tenant, type, id) {
      const doc = await findOwn(c.resources, keyOf(tenant, type, id), tenant, WITHOUT_SEARCH_FIELDS);
      return doc ? toStored(doc) : undefined;
    },
    async readMany(tenant, keys) {
      const docs = await c.resources
        .find({ _id: { $in: keys.map((k) => keyOf(tenant, k.type, k.id)) }, tenant }, WITHOUT_SEARCH_FIELDS)
        .toArray();
      const byKey = new Map(docs.map((d) => [d._id, d]));
      return keys.map((k) => {
        const doc = byKey.get(keyOf(tenant, k.type, k.id));
        if (!doc) return new ResourceNotFoundError(k.type, k.id);
        if (doc.deleted) return new ResourceGoneError(k.type, k.id);
        return toStored(doc);
      });
    },
    async readVersion(tenant, type, id, versionId) {
      const doc = await findOwn(c.versions, versionKeyOf(tenant, type, id, versionId), tenant);
      return doc?.logged ? toStored(doc) : undefined;
    },
    async history(tenant, type, id) {
      const docs = await c.versions
        .find({ tenant: filterString(tenant), type: filterString(type), id: filterString(id), logged: true })
        .sort({ versionId: 1 })
        .toArray();
      return docs.map(toStored);
    },
    async delete(tenant, type, id, opts) {
      await tenants.require(tenant);
      checkTypeName(type);
      checkId(type, id);
      const at = now();
      const result = await writeVersion(tenant, type, id, (current) => {
        if (!current || current.deleted) return 'absent';
        const v = current.versionId + 1;
        return {
          ...versionDoc(
            tenant,
            type,
            id,
            v,
            at,
            TOMBSTONE_HASH,
            true,
            opts?.connection ?? null,
            tombstone(type, id, v, at),
            'deleted',
          ),
          // The triggers see the resource as it was before the delete.
          ...changeTags(opts, type, 'deleted', () => JSON.parse(current.body) as Resource),
        };
      });
      return 'kind' in result ? { deleted: false, seq: undefined } : { deleted: true, seq: result.seq };
    },
    async list(tenant, type, page) {
      const scope = { tenant, type };
      const after = page.after === undefined ? '' : decodeListCursor(cursors, scope, page.after);
      const docs = await c.resources
        .find(
          { tenant: filterString(tenant), type: filterString(type), deleted: false, id: { $gt: after } },
          WITHOUT_SEARCH_FIELDS,
        )
        .sort({ id: 1 })
        .limit(page.limit + 1)
        .toArray();
      const items = docs.slice(0, page.limit).map(toStored);
      const last = items.at(-1);
      return {
        items,
        next: docs.length > page.limit && last ? encodeListCursor(cursors, scope, last.id) : undefined,
      };
    },
    search: createMongoSearch(c, indexer !== undefined, toStored, cursors),
    /**
     * Completes the versions of changes a reader is about to answer whose writer has not: paused
     * between its steps, or failed after appending. Then every change a reader sees is readable
     * at its version (read() answers it or newer, readVersion answers it).
     */
    async adopt(changes) {
      if (changes.length === 0) return;
      const keys = changes.map((ch) => versionKeyOf(ch.tenant, ch.type, ch.id, ch.versionId));
      const unfinished = await c.versions.find({ _id: { $in: keys }, logged: false }).toArray();
      for (const v of unfinished) await complete(v);
    },
    /** Finishes versions a crashed writer left unlogged; run at open and before a prune. */
    async recoverUnlogged() {
      const orphans = await c.versions
        .find({ logged: false }, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .toArray();
      let finished = 0;
      for (const { _id } of orphans) {
        // Re-read: while this runs, a writer may finish a listed version and a prune drop its change.
        const v = await c.versions.findOne({ _id: filterString(_id), logged: false });
        if (!v) continue;
        await finish(v);
        finished++;
      }
      return finished;
    },
    /**
     * Before a prune: completes (projects and marks) every unlogged version whose change exists,
     * so that none is left whose change the prune removes. A version with no change yet is its
     * writer's (or recovery's) to log; appending for it here could race a stalled writer into
     * logging it twice once a later prune removed this change.
     */
    async completeAppended() {
      const unlogged = await c.versions.find({ logged: false }).toArray();
      let completed = 0;
      for (const v of unlogged) {
        const change = await c.changes.findOne(
          { tenant: v.tenant, type: v.type, id: v.id, versionId: v.versionId },
          { projection: { _id: 1 } },
        );
        if (!change) continue;
        await complete(v);
        completed++;
      }
      return completed;
    },
  };
  return store;
}

function versionDoc(
  tenant: string,
  type: string,
  id: string,
  versionId: number,
  at: string,
  hash: string,
  deleted: boolean,
  connection: string | null,
  resource: Resource,
  action: string,
): VersionDoc {
  return {
    _id: versionKeyOf(tenant, type, id, versionId),
    tenant,
    type,
    id,
    versionId,
    lastUpdated: at,
    hash,
    deleted,
    connection,
    body: JSON.stringify(resource),
    logged: false,
    action,
  };
}

function currentDoc(v: VersionDoc): ResourceDoc {
  const { logged: _logged, action: _action, triggers: _triggers, backfill: _backfill, ...doc } = v;
  return { ...doc, _id: keyOf(v.tenant, v.type, v.id) };
}

function changeOf(v: VersionDoc): NewChange {
  return {
    tenant: v.tenant,
    type: v.type,
    id: v.id,
    versionId: v.versionId,
    action: v.action,
    connection: v.connection,
    triggers: v.triggers ?? [],
    backfill: v.backfill ?? false,
  };
}

function toStored(d: ResourceDoc): StoredResource {
  return {
    tenant: d.tenant,
    type: d.type,
    id: d.id,
    versionId: d.versionId,
    lastUpdated: d.lastUpdated,
    hash: d.hash,
    deleted: d.deleted,
    connection: d.connection ?? undefined,
    resource: JSON.parse(d.body) as Resource,
  };
}
