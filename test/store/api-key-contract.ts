import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiKeyExistsError, InvalidApiKeyIdError, UnknownTenantError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/port.ts';

/** A fresh conforming key id (letters and digits). */
const keyId = () => randomUUID().replaceAll('-', '').slice(0, 16);

/**
 * The API key part of the store contract; called from storeContract with its store and a
 * maker of fresh tenants, so both adapters answer the same expectations.
 */
export function apiKeyContract(ctx: {
  store: () => Store;
  newTenant: () => Promise<string>;
  reopen: () => Promise<Store>;
}): void {
  describe('api keys', () => {
    it('stores a key with its hash, lists it without the hash, one tenant at a time', async () => {
      const store = ctx.store();
      const a = await ctx.newTenant();
      const b = await ctx.newTenant();
      const idA = keyId();
      const created = await store.apiKeys.create({
        id: idA,
        tenant: a,
        scopes: ['read', 'admin'],
        label: 'analytics',
        secretHash: 'h-a',
      });
      expect(created).toMatchObject({ id: idA, tenant: a, scopes: ['read', 'admin'], label: 'analytics' });
      expect(created.lastUsedAt).toBeUndefined();
      expect(created.revokedAt).toBeUndefined();
      expect(created).not.toHaveProperty('secretHash');
      const idB = keyId();
      await store.apiKeys.create({ id: idB, tenant: b, scopes: ['read'], label: '', secretHash: 'h-b' });

      expect((await store.apiKeys.find(idA))?.secretHash).toBe('h-a');
      const listedA = await store.apiKeys.list(a);
      expect(listedA.map((k) => k.id)).toEqual([idA]);
      expect(listedA[0]).not.toHaveProperty('secretHash');
      expect((await store.apiKeys.list(b)).map((k) => k.id)).toEqual([idB]);
      const all = (await store.apiKeys.list()).map((k) => k.id);
      expect(all).toEqual(expect.arrayContaining([idA, idB]));
    });

    it('refuses a second key with the same id, even for another tenant, keeping the first', async () => {
      const store = ctx.store();
      const a = await ctx.newTenant();
      const b = await ctx.newTenant();
      const id = keyId();
      await store.apiKeys.create({ id, tenant: a, scopes: ['read'], label: 'first', secretHash: 'one' });
      await expect(
        store.apiKeys.create({ id, tenant: b, scopes: ['admin'], label: 'second', secretHash: 'two' }),
      ).rejects.toBeInstanceOf(ApiKeyExistsError);
      const kept = await store.apiKeys.find(id);
      expect(kept).toMatchObject({ tenant: a, scopes: ['read'], label: 'first', secretHash: 'one' });
      expect(await store.apiKeys.list(b)).toEqual([]);
    });

    it('lets exactly one of many concurrent creates with the same id win, in one tenant or several', async () => {
      const store = ctx.store();
      const tenants = [await ctx.newTenant(), await ctx.newTenant()];
      const id = keyId();
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          store.apiKeys.create({
            id,
            tenant: tenants[i % 2] as string,
            scopes: ['read'],
            label: `racer-${i}`,
            secretHash: `hash-${i}`,
          }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ApiKeyExistsError);
      }
      const stored = await store.apiKeys.find(id);
      const winner = (won[0] as PromiseFulfilledResult<{ label: string; tenant: string }>).value;
      expect(stored).toMatchObject({
        label: winner.label,
        tenant: winner.tenant,
        secretHash: `hash-${winner.label.slice(6)}`,
      });
    });

    it('refuses odd ids and unknown tenants with a clear error, storing nothing', async () => {
      const store = ctx.store();
      const a = await ctx.newTenant();
      for (const id of ['short', 'has/slash0123', '$where:1==1', 'a'.repeat(65), 'spa ce123456', '']) {
        await expect(
          store.apiKeys.create({ id, tenant: a, scopes: ['read'], label: '', secretHash: 'x' }),
        ).rejects.toBeInstanceOf(InvalidApiKeyIdError);
        expect(await store.apiKeys.find(id)).toBeUndefined();
        expect(await store.apiKeys.revoke(id)).toBe(false);
      }
      await expect(
        store.apiKeys.create({
          id: keyId(),
          tenant: `nope-${keyId()}`,
          scopes: ['read'],
          label: '',
          secretHash: 'x',
        }),
      ).rejects.toBeInstanceOf(UnknownTenantError);
      expect(await store.apiKeys.list(a)).toEqual([]);
    });

    it('revokes once, visibly and durably (a store opened afterwards sees it)', async () => {
      const store = ctx.store();
      const a = await ctx.newTenant();
      const id = keyId();
      await store.apiKeys.create({ id, tenant: a, scopes: ['read'], label: '', secretHash: 'x' });
      expect(await store.apiKeys.revoke(id)).toBe(true);
      expect(await store.apiKeys.revoke(id)).toBe(false);
      expect(await store.apiKeys.revoke(keyId())).toBe(false);
      const revokedAt = (await store.apiKeys.find(id))?.revokedAt;
      expect(revokedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      const other = await ctx.reopen();
      try {
        expect((await other.apiKeys.find(id))?.revokedAt).toBe(revokedAt);
      } finally {
        await other.close();
      }
    });

    it('records the latest use and never moves it back', async () => {
      const store = ctx.store();
      const a = await ctx.newTenant();
      const id = keyId();
      await store.apiKeys.create({ id, tenant: a, scopes: ['read'], label: '', secretHash: 'x' });
      await store.apiKeys.touch(id, '2030-01-02T00:00:00.000Z');
      await store.apiKeys.touch(id, '2030-01-01T00:00:00.000Z');
      expect((await store.apiKeys.find(id))?.lastUsedAt).toBe('2030-01-02T00:00:00.000Z');
      await store.apiKeys.touch(id, '2030-01-03T00:00:00.000Z');
      expect((await store.apiKeys.list(a))[0]?.lastUsedAt).toBe('2030-01-03T00:00:00.000Z');
    });
  });
}
