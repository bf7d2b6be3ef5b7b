import { randomUUID } from 'node:crypto';
import { IdempotencyConflictError, SecretDecryptionError } from '../errors.ts';
import type { Connection, ConnectionStore, IdempotencyStore, QuarantineStore, TenantStore } from '../port.ts';
import type { SecretBox } from '../secret-box.ts';
import { connectionSecretContext } from '../secret-contexts.ts';
import type { TenantGuard } from '../tenant-guard.ts';
import { type Collections, isDuplicateKey } from './collections.ts';
import { docKey, filterString, findOwn } from './doc-key.ts';
import type { MongoSealedValues } from './mongo-sealed-values.ts';

/** Quarantine ids this adapter issues: arrival time, then a random UUID (time-ordered). */
export const MONGO_QUARANTINE_ID = {
  pattern:
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  text: 'a quarantine id this store issued',
};

/** Tenants, quarantine, idempotency records and connections on MongoDB. */
export function createMongoRecords(
  c: Collections,
  deps: {
    now: () => number;
    secretBox: SecretBox;
    tenantGuard: TenantGuard;
    sealedValues: MongoSealedValues;
  },
): {
  tenants: TenantStore;
  quarantine: QuarantineStore;
  idempotency: IdempotencyStore;
  connections: ConnectionStore;
} {
  const iso = () => new Date(deps.now()).toISOString();
  const aad = connectionSecretContext;
  const toConnection = (d: {
    tenant: string;
    id: string;
    source: string;
    config: string;
    createdAt: string;
    updatedAt: string;
  }): Connection => ({
    tenant: d.tenant,
    id: d.id,
    source: d.source as Connection['source'],
    config: JSON.parse(d.config) as Record<string, unknown>,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  });

  const tenants: TenantStore = {
    async ensure(id, name) {
      await c.tenants
        .updateOne({ _id: id }, { $setOnInsert: { name: name ?? id, createdAt: iso() } }, { upsert: true })
        .catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err; // a concurrent ensure inserted it
        });
      deps.tenantGuard.remember(id);
      const doc = await c.tenants.findOne({ _id: id });
      return { id, name: doc?.name ?? id, createdAt: doc?.createdAt ?? iso() };
    },
    async get(id) {
      const doc = await c.tenants.findOne({ _id: filterString(id) });
      return doc ? { id, name: doc.name, createdAt: doc.createdAt } : undefined;
    },
    async list() {
      const docs = await c.tenants.find({}).sort({ _id: 1 }).toArray();
      return docs.map((d) => ({ id: d._id, name: d.name, createdAt: d.createdAt }));
    },
  };

  const quarantine: QuarantineStore = {
    async add(entry) {
      await deps.tenantGuard.require(entry.tenant);
      const at = iso();
      // Time-ordered ids keep `list` in arrival order without a counter.
      const id = `${at}-${randomUUID()}`;
      await c.quarantine.insertOne({ _id: id, ...entry, raw: JSON.stringify(entry.raw ?? null), at });
      return { ...entry, id, at };
    },
    async list(tenant, options) {
      const filter =
        options?.connection === undefined
          ? { tenant: filterString(tenant) }
          : { tenant: filterString(tenant), connection: filterString(options.connection) };
      const docs = await c.quarantine
        .find(filter)
        .sort({ _id: 1 })
        .limit(options?.limit ?? 100)
        .toArray();
      return docs.map((d) => ({
        id: d._id,
        tenant: d.tenant,
        connection: d.connection,
        what: d.what,
        reason: d.reason,
        raw: JSON.parse(d.raw) as unknown,
        at: d.at,
      }));
    },
    async remove(tenant, id) {
      return (
        (await c.quarantine.deleteOne({ _id: filterString(id), tenant: filterString(tenant) }))
          .deletedCount === 1
      );
    },
  };

  const idKey = (tenant: string, key: string) => docKey(tenant, key);
  const idempotency: IdempotencyStore = {
    async begin(tenant, key, requestHash) {
      await deps.tenantGuard.require(tenant);
      try {
        await c.idempotency.insertOne({
          _id: idKey(tenant, key),
          tenant,
          requestHash,
          state: 'in-progress',
          response: null,
          createdAt: iso(),
        });
        return { state: 'started' };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const doc = await findOwn(c.idempotency, idKey(tenant, key), tenant);
      if (!doc) return idempotency.begin(tenant, key, requestHash); // abandoned in between
      if (doc.requestHash !== requestHash) throw new IdempotencyConflictError(key);
      if (doc.state === 'completed')
        return { state: 'completed', response: JSON.parse(doc.response ?? 'null') };
      return { state: 'in-progress' };
    },
    async complete(tenant, key, response) {
      await c.idempotency.updateOne(
        { _id: idKey(tenant, key), tenant },
        { $set: { state: 'completed', response: JSON.stringify(response ?? null) } },
      );
    },
    async abandon(tenant, key) {
      await c.idempotency.deleteOne({ _id: idKey(tenant, key), tenant, state: 'in-progress' });
    },
  };

  const connections: ConnectionStore = {
    async put(connection, secrets) {
      await deps.tenantGuard.require(connection.tenant);
      const at = iso();
      const _id = docKey(connection.tenant, connection.id);
      // Secrets first: a crash in between leaves unreachable secrets, never a connection with
      // an earlier connection's secrets.
      await deps.sealedValues.put(
        'connection',
        connection.tenant,
        connection.id,
        deps.secretBox.seal(JSON.stringify(secrets), aad(connection.tenant, connection.id)),
      );
      await c.connections.updateOne(
        { _id, tenant: connection.tenant },
        {
          $set: {
            tenant: connection.tenant,
            id: connection.id,
            source: connection.source,
            config: JSON.stringify(connection.config),
            updatedAt: at,
          },
          $setOnInsert: { createdAt: at },
        },
        { upsert: true },
      );
      const doc = await findOwn(c.connections, _id, connection.tenant);
      if (!doc) throw new Error(`connection ${_id} vanished during put`);
      return toConnection(doc);
    },
    async get(tenant, id) {
      const doc = await findOwn(c.connections, docKey(tenant, id), tenant);
      return doc ? toConnection(doc) : undefined;
    },
    async secrets(tenant, id) {
      const doc = await findOwn(c.connections, docKey(tenant, id), tenant);
      const sealed = doc ? await deps.sealedValues.get('connection', tenant, id) : undefined;
      // A connection written before sealed revisions kept its secrets on the document (v1
      // format, not readable any more): a clear error, not an empty set of secrets.
      if (sealed === undefined && doc && 'secrets' in doc)
        throw new SecretDecryptionError(`connection ${tenant}/${id}`);
      if (sealed === undefined) return {};
      return JSON.parse(deps.secretBox.open(sealed, aad(tenant, id), `connection ${tenant}/${id}`)) as Record<
        string,
        string
      >;
    },
    async list(tenant) {
      const docs = await c.connections
        .find({ tenant: filterString(tenant) })
        .sort({ id: 1 })
        .toArray();
      return docs.map(toConnection);
    },
    async listAllTenants() {
      const docs = await c.connections.find({}).sort({ tenant: 1, id: 1 }).toArray();
      return docs.map(toConnection);
    },
    async remove(tenant, id) {
      const removed = (await c.connections.deleteOne({ _id: docKey(tenant, id), tenant })).deletedCount === 1;
      await deps.sealedValues.remove('connection', tenant, id);
      return removed;
    },
    async resealSecrets(tenant, id) {
      const doc = await findOwn(c.connections, docKey(tenant, id), tenant);
      if (!doc) return 'missing';
      if ('secrets' in doc && (await deps.sealedValues.get('connection', tenant, id)) === undefined)
        throw new SecretDecryptionError(`connection ${tenant}/${id}`); // pre-rotation layout, see secrets()
      return deps.sealedValues.reseal(
        'connection',
        tenant,
        id,
        aad(tenant, id),
        `connection ${tenant}/${id}`,
      );
    },
  };

  return { tenants, quarantine, idempotency, connections };
}
