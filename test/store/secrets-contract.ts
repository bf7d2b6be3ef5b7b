import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidSecretNameError, SecretDecryptionError } from '../../src/store/errors.ts';
import type { ResealOutcome, Store } from '../../src/store/port.ts';
import { rotateSecrets } from '../../src/store/rotate-secrets.ts';
import { keyId } from '../../src/store/secret-box.ts';
import { type StoreHarness, TEST_KEY } from './harness.ts';

const NEW_KEY = Buffer.alloc(32, 11);
const OTHER_KEY = Buffer.alloc(32, 12);

/** The key id inside a stored sealed value (`v2.<kid>.…`). */
const kidOf = (sealed: string) => sealed.split('.')[1];

/**
 * Secrets at rest and key rotation, on whatever adapter the harness opens. `ctx()` gives the
 * store opened with TEST_KEY. Rotation runs are scoped to this suite's tenants (the database is
 * shared with the rest of the contract); the CLI test rotates a whole database.
 */
export function secretsContract(ctx: () => { h: StoreHarness; store: Store }): void {
  const newTenant = async (store: Store, prefix = 's') => {
    const id = `${prefix}-${randomUUID().slice(0, 8)}`;
    await store.tenants.ensure(id);
    return id;
  };
  const conn = (tenant: string, id: string) => ({ tenant, id, source: 'jane' as const, config: {} });
  /** rotateSecrets over the given tenants only; returns each entry's outcome. */
  const rotate = async (store: Store, tenants: string[]) => {
    const outcomes: Record<string, ResealOutcome | 'failed'> = {};
    const report = await rotateSecrets(
      {
        tenants: {
          ...store.tenants,
          list: async () => tenants.map((id) => ({ id, name: id, createdAt: '' })),
        },
        connections: store.connections,
        tenantSecrets: store.tenantSecrets,
      },
      (e) => {
        outcomes[`${e.tenant}/${e.kind}/${e.id}`] = e.outcome;
      },
    );
    return { report, outcomes };
  };

  describe('secrets at rest', () => {
    it('seals with the current key id and binds a sealed value to its tenant and connection', async () => {
      const { h, store } = ctx();
      const a = await newTenant(store);
      const b = await newTenant(store);
      await store.connections.put(conn(a, 'jane-1'), { refresh_token: 'rt-of-a' });
      await store.connections.put(conn(b, 'jane-1'), { refresh_token: 'rt-of-b' });
      await store.connections.put(conn(a, 'jane-2'), { refresh_token: 'rt-of-a2' });
      const raw = await h.rawSecrets(a, 'jane-1');
      expect(kidOf(raw)).toBe(keyId(TEST_KEY));
      // The same sealed text pasted onto another tenant's row, or another connection, does not open.
      await h.writeRawSecrets(b, 'jane-1', raw);
      await expect(store.connections.secrets(b, 'jane-1')).rejects.toBeInstanceOf(SecretDecryptionError);
      await h.writeRawSecrets(a, 'jane-2', raw);
      await expect(store.connections.secrets(a, 'jane-2')).rejects.toThrow(
        new RegExp(`cannot decrypt the secrets of connection ${a}/jane-2`),
      );
      // The error names the row, never the value.
      const err = await store.connections.secrets(a, 'jane-2').catch((e: Error) => e);
      expect(String(err)).not.toContain('rt-of');
      expect(await store.connections.secrets(a, 'jane-1')).toEqual({ refresh_token: 'rt-of-a' });
      await store.connections.remove(b, 'jane-1');
      await store.connections.remove(a, 'jane-2');
    });

    it('refuses secrets stored in the pre-rotation v1 format with a clear error, not an empty set', async () => {
      const { h, store } = ctx();
      const a = await newTenant(store);
      await store.connections.put(conn(a, 'old'), { refresh_token: 'rt-old' });
      const v1 = `v1.${Buffer.alloc(12).toString('base64url')}.${Buffer.alloc(16).toString('base64url')}.AAAA`;
      await h.writeLegacySecrets(a, 'old', v1);
      await expect(store.connections.secrets(a, 'old')).rejects.toBeInstanceOf(SecretDecryptionError);
      const run = await rotate(store, [a]);
      expect(run.report.failed).toEqual([{ tenant: a, kind: 'connection', id: 'old' }]);
      await store.connections.remove(a, 'old');
    });

    it('stores named tenant secrets sealed, per tenant, and refuses bad names', async () => {
      const { h, store } = ctx();
      const a = await newTenant(store);
      const b = await newTenant(store);
      const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQ-not-a-real-key\n-----END PRIVATE KEY-----\n';
      await store.tenantSecrets.put(a, 'epic-signing-key', pem);
      await store.tenantSecrets.put(a, 'another.secret', 'v1');
      await store.tenantSecrets.put(a, 'another.secret', 'v2');
      expect(await store.tenantSecrets.get(a, 'epic-signing-key')).toBe(pem);
      expect(await store.tenantSecrets.get(a, 'another.secret')).toBe('v2');
      expect(await store.tenantSecrets.names(a)).toEqual(['another.secret', 'epic-signing-key']);
      expect(await store.tenantSecrets.get(b, 'epic-signing-key')).toBeUndefined();
      expect(await store.tenantSecrets.names(b)).toEqual([]);
      expect(await h.rawTenantSecret(a, 'epic-signing-key')).not.toContain('not-a-real-key');
      for (const bad of ['', 'a/b', 'x'.repeat(65), { $ne: '' }]) {
        await expect(store.tenantSecrets.get(a, bad as string)).rejects.toBeInstanceOf(
          InvalidSecretNameError,
        );
        await expect(store.tenantSecrets.put(a, bad as string, 'v')).rejects.toBeInstanceOf(
          InvalidSecretNameError,
        );
      }
      // A wrong key is a typed error, not garbage.
      const wrong = await h.open({ key: OTHER_KEY });
      try {
        await expect(wrong.tenantSecrets.get(a, 'epic-signing-key')).rejects.toBeInstanceOf(
          SecretDecryptionError,
        );
      } finally {
        await wrong.close();
      }
      expect(await store.tenantSecrets.remove(a, 'another.secret')).toBe(true);
      expect(await store.tenantSecrets.remove(a, 'another.secret')).toBe(false);
      expect(await store.tenantSecrets.names(a)).toEqual(['epic-signing-key']);
    });

    it('rotates: old secrets open through the ring, rotation reseals them once, the old key can go', async () => {
      const { h, store } = ctx();
      const a = await newTenant(store);
      const b = await newTenant(store);
      await store.connections.put(conn(a, 'jane-1'), { refresh_token: 'rt-a' });
      await store.connections.put(conn(b, 'dr.chrono~1'), { refresh_token: 'rt-b' });
      await store.tenantSecrets.put(b, 'epic-signing-key', 'pem-b');

      const ring = await h.open({ key: { current: NEW_KEY, previous: [TEST_KEY] } });
      try {
        expect(await ring.connections.secrets(a, 'jane-1')).toEqual({ refresh_token: 'rt-a' });
        const first = await rotate(ring, [a, b]);
        expect(first.outcomes).toEqual({
          [`${a}/connection/jane-1`]: 'resealed',
          [`${b}/connection/dr.chrono~1`]: 'resealed',
          [`${b}/tenant-secret/epic-signing-key`]: 'resealed',
        });
        expect(first.report).toMatchObject({ resealed: 3, current: 0, failed: [] });
        expect(kidOf(await h.rawSecrets(a, 'jane-1'))).toBe(keyId(NEW_KEY));
        expect(kidOf(await h.rawTenantSecret(b, 'epic-signing-key'))).toBe(keyId(NEW_KEY));
        // Idempotent: a second run changes nothing.
        const again = await rotate(ring, [a, b]);
        expect(again.report).toMatchObject({ resealed: 0, current: 3, failed: [] });
      } finally {
        await ring.close();
      }
      // The old key is no longer needed...
      const only = await h.open({ key: NEW_KEY });
      try {
        expect(await only.connections.secrets(b, 'dr.chrono~1')).toEqual({ refresh_token: 'rt-b' });
        expect(await only.tenantSecrets.get(b, 'epic-signing-key')).toBe('pem-b');
      } finally {
        await only.close();
      }
      // ...and a store with only the old key can no longer open them.
      await expect(store.connections.secrets(a, 'jane-1')).rejects.toBeInstanceOf(SecretDecryptionError);
      await store.connections.remove(a, 'jane-1');
      await store.connections.remove(b, 'dr.chrono~1');
      await store.tenantSecrets.remove(b, 'epic-signing-key');
    });

    it('rotation resumes after an interruption, keeps concurrent writes, and reports what no key opens', async () => {
      const { h, store } = ctx();
      const a = await newTenant(store);
      for (const id of ['c1', 'c2', 'c3']) await store.connections.put(conn(a, id), { token: `tok-${id}` });
      await store.tenantSecrets.put(a, 'lost', 'sealed-with-a-key-we-lose');
      const lost = await h.open({ key: OTHER_KEY });
      await lost.tenantSecrets.put(a, 'lost', 'sealed-with-a-key-we-lose');
      await lost.close();

      const ring = await h.open({ key: { current: NEW_KEY, previous: [TEST_KEY] } });
      try {
        // An interrupted run: only c1 was resealed before the process died.
        expect(await ring.connections.resealSecrets(a, 'c1')).toBe('resealed');
        // Meanwhile a writer replaces c2 (sealed with the current key): rotation must not undo it.
        await ring.connections.put(conn(a, 'c2'), { token: 'tok-c2-new' });
        const rerun = await rotate(ring, [a]);
        expect(rerun.outcomes).toEqual({
          [`${a}/connection/c1`]: 'current',
          [`${a}/connection/c2`]: 'current',
          [`${a}/connection/c3`]: 'resealed',
          [`${a}/tenant-secret/lost`]: 'failed',
        });
        expect(rerun.report.failed).toEqual([{ tenant: a, kind: 'tenant-secret', id: 'lost' }]);
        expect(await ring.connections.secrets(a, 'c2')).toEqual({ token: 'tok-c2-new' });
        expect(await ring.connections.secrets(a, 'c3')).toEqual({ token: 'tok-c3' });
        expect(await ring.connections.resealSecrets(a, 'nope')).toBe('missing');
        expect(await ring.tenantSecrets.reseal(a, 'nope')).toBe('missing');
      } finally {
        await ring.close();
      }
      await store.tenantSecrets.remove(a, 'lost');
      for (const id of ['c1', 'c2', 'c3']) await store.connections.remove(a, id);
    });

    it('a reseal racing a put never loses the put', async () => {
      const { store, h } = ctx();
      const a = await newTenant(store);
      await store.connections.put(conn(a, 'race'), { token: 'v0' });
      const ring = await h.open({ key: { current: NEW_KEY, previous: [TEST_KEY] } });
      try {
        const results = await Promise.all([
          ring.connections.resealSecrets(a, 'race'),
          ring.connections.put(conn(a, 'race'), { token: 'v1' }),
        ]);
        expect(['resealed', 'current']).toContain(results[0]);
        expect(await ring.connections.secrets(a, 'race')).toEqual({ token: 'v1' });
        expect(kidOf(await h.rawSecrets(a, 'race'))).toBe(keyId(NEW_KEY));
      } finally {
        await ring.close();
      }
      await store.connections.remove(a, 'race');
    });
  });
}
