import type { Collection } from 'mongodb';
import type { Scope } from '../../auth/scopes.ts';
import { assertApiKeyId, isApiKeyId } from '../api-key-id.ts';
import { ApiKeyExistsError } from '../errors.ts';
import type { ApiKey, ApiKeyStore, StoredApiKey } from '../port.ts';
import type { TenantGuard } from '../tenant-guard.ts';
import { isDuplicateKey } from './collections.ts';

export type ApiKeyDoc = {
  /** The public key id: validated letters and digits, so it is safe as `_id`. */
  _id: string;
  tenant: string;
  scopes: string[];
  label: string;
  secretHash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

const toStored = (d: ApiKeyDoc): StoredApiKey => ({
  id: d._id,
  tenant: d.tenant,
  scopes: d.scopes as Scope[],
  label: d.label,
  secretHash: d.secretHash,
  createdAt: d.createdAt,
  lastUsedAt: d.lastUsedAt ?? undefined,
  revokedAt: d.revokedAt ?? undefined,
});

const withoutHash = ({ secretHash: _, ...key }: StoredApiKey): ApiKey => key;

/** API keys on MongoDB: one document per key, `_id` = public id (unique by construction). */
export function createMongoApiKeys(
  keys: Collection<ApiKeyDoc>,
  deps: { now: () => number; tenantGuard: TenantGuard },
): ApiKeyStore {
  const iso = () => new Date(deps.now()).toISOString();
  return {
    async create(key) {
      assertApiKeyId(key.id);
      await deps.tenantGuard.require(key.tenant);
      const doc: ApiKeyDoc = {
        _id: key.id,
        tenant: key.tenant,
        scopes: [...key.scopes],
        label: key.label,
        secretHash: key.secretHash,
        createdAt: iso(),
        lastUsedAt: null,
        revokedAt: null,
      };
      try {
        await keys.insertOne(doc);
      } catch (err) {
        if (isDuplicateKey(err)) throw new ApiKeyExistsError(key.id);
        throw err;
      }
      return withoutHash(toStored(doc));
    },
    async find(id) {
      if (!isApiKeyId(id)) return undefined;
      const doc = await keys.findOne({ _id: id });
      return doc ? toStored(doc) : undefined;
    },
    async list(tenant) {
      const docs = await keys
        .find(tenant === undefined ? {} : { tenant })
        .sort({ tenant: 1, _id: 1 })
        .toArray();
      return docs.map((d) => withoutHash(toStored(d)));
    },
    async revoke(id) {
      if (!isApiKeyId(id)) return false;
      const result = await keys.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: iso() } });
      return result.modifiedCount === 1;
    },
    async touch(id, at) {
      if (!isApiKeyId(id)) return;
      await keys.updateOne(
        { _id: id, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: at } }] },
        { $set: { lastUsedAt: at } },
      );
    },
  };
}
