import type { ResealOutcome } from '../port.ts';
import type { SecretBox, SecretContext } from '../secret-box.ts';
import { type Collections, isDuplicateKey } from './collections.ts';

export type SealedKind = 'connection' | 'tenant-secret';

/**
 * Sealed secrets on MongoDB as numbered revisions: every write inserts revision n+1 (unique
 * `{kind, tenant, name, rev}`) and then drops the older ones; the newest revision is the value.
 * A conditional update (compare-and-set) would be simpler, but FerretDB v1 does not apply one
 * atomically (two racing `updateOne({v: 0})` both match), so a key rotation could overwrite a
 * token a refresh had just stored. A unique insert is atomic on every server: a write that
 * loses the race sees the winner's revision and starts over from it.
 */
export function createMongoSealedValues(c: Collections, deps: { now: () => number; secretBox: SecretBox }) {
  const latest = async (kind: SealedKind, tenant: string, name: string) =>
    (await c.sealedSecrets.find({ kind, tenant, name }).sort({ rev: -1 }).limit(1).toArray())[0];

  /** Inserts the next revision made from the newest one; undefined from `next` writes nothing. */
  async function writeNext(
    kind: SealedKind,
    tenant: string,
    name: string,
    next: (current: string | undefined) => string | undefined,
  ): Promise<boolean> {
    for (;;) {
      const doc = await latest(kind, tenant, name);
      const sealed = next(doc?.sealed);
      if (sealed === undefined) return false;
      const rev = (doc?.rev ?? 0) + 1;
      try {
        await c.sealedSecrets.insertOne({
          kind,
          tenant,
          name,
          rev,
          sealed,
          at: new Date(deps.now()).toISOString(),
        });
      } catch (err) {
        if (isDuplicateKey(err)) continue; // another writer took this revision: build on theirs
        throw err;
      }
      // The old ciphertexts go: after a rotation none may stay under a retired key.
      await c.sealedSecrets.deleteMany({ kind, tenant, name, rev: { $lt: rev } });
      return true;
    }
  }

  return {
    async get(kind: SealedKind, tenant: string, name: string): Promise<string | undefined> {
      return (await latest(kind, tenant, name))?.sealed;
    },
    async put(kind: SealedKind, tenant: string, name: string, sealed: string): Promise<void> {
      await writeNext(kind, tenant, name, () => sealed);
    },
    async names(kind: SealedKind, tenant: string): Promise<string[]> {
      const docs = await c.sealedSecrets.find({ kind, tenant }, { projection: { name: 1 } }).toArray();
      return [...new Set(docs.map((d) => d.name))].sort();
    },
    async remove(kind: SealedKind, tenant: string, name: string): Promise<boolean> {
      return (await c.sealedSecrets.deleteMany({ kind, tenant, name })).deletedCount > 0;
    },
    async reseal(
      kind: SealedKind,
      tenant: string,
      name: string,
      context: SecretContext,
      what: string,
    ): Promise<ResealOutcome> {
      let missing = false;
      const written = await writeNext(kind, tenant, name, (current) => {
        missing = current === undefined;
        return current === undefined ? undefined : deps.secretBox.reseal(current, context, what);
      });
      return written ? 'resealed' : missing ? 'missing' : 'current';
    },
  };
}

export type MongoSealedValues = ReturnType<typeof createMongoSealedValues>;
