import { randomUUID } from 'node:crypto';
import type { Resource } from 'fhir/r4';
import { beforeAll, describe, expect, it } from 'vitest';
import { CursorError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/port.ts';
import { leakedValues } from '../support/value-encodings.ts';
import type { StoreHarness } from './harness.ts';

const patient = (id: string): Resource => ({ resourceType: 'Patient', id }) as Resource;

/**
 * List cursors are sealed (docs/store.md): bound to the tenant and type listed, unreadable,
 * and refused with a CursorError when altered or used elsewhere; another instance with the
 * same key continues them.
 */
export function listCursorContract(getStore: () => Store, getHarness: () => StoreHarness): void {
  const tenant = `lc${randomUUID().slice(0, 8)}`;
  const neighbour = `${tenant}-clinic2`;
  let store: Store;
  let next: string;

  beforeAll(async () => {
    store = getStore();
    await store.tenants.ensure(tenant);
    await store.tenants.ensure(neighbour);
    for (const t of [tenant, neighbour])
      await store.resources.putMany(t, ['alpha-0001', 'bravo-0002', 'charlie-0003'].map(patient));
    next = (await store.resources.list(tenant, 'Patient', { limit: 1 })).next as string;
  });

  describe('sealed list cursors', () => {
    it('hold no id in clear and continue on another instance with the same key', async () => {
      expect(next).toBeDefined();
      expect(leakedValues(next, ['alpha-0001'])).toEqual([]);
      const other = await getHarness().open();
      try {
        const page = await other.resources.list(tenant, 'Patient', { limit: 5, after: next });
        expect(page.items.map((r) => r.id)).toEqual(['bravo-0002', 'charlie-0003']);
      } finally {
        await other.close();
      }
    });

    it('are refused for another tenant, another type, another key, or altered', async () => {
      const refused = (t: string, type: string, after: string, s = store) =>
        expect(s.resources.list(t, type, { limit: 5, after })).rejects.toBeInstanceOf(CursorError);
      await refused(neighbour, 'Patient', next);
      await refused(tenant, 'Observation', next);
      await refused(tenant, 'Patient', next.slice(0, -2));
      await refused(
        tenant,
        'Patient',
        `${next.slice(0, 10)}${next[10] === 'A' ? 'B' : 'A'}${next.slice(11)}`,
      );
      // The earlier, unsealed format.
      await refused(tenant, 'Patient', Buffer.from('l1:alpha-0001').toString('base64url'));
      const rotated = await getHarness().open({ key: Buffer.alloc(32, 11) });
      try {
        await refused(tenant, 'Patient', next, rotated);
      } finally {
        await rotated.close();
      }
    });
  });
}
