import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Patient, Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CursorError,
  CursorExpiredError,
  FencedOutError,
  IdempotencyConflictError,
  InvalidChangeFilterError,
  InvalidResourceError,
  ResourceGoneError,
  ResourceNotFoundError,
  ResourceTooLargeError,
  SecretDecryptionError,
  UnknownTenantError,
} from '../../src/store/errors.ts';
import type { Change, Store } from '../../src/store/port.ts';
import { apiKeyContract } from './api-key-contract.ts';
import { budgetContract } from './budget-contract.ts';
import type { StoreHarness } from './harness.ts';
import { isolationContract } from './isolation-contract.ts';
import { listCursorContract } from './list-cursor-contract.ts';
import { secretsContract } from './secrets-contract.ts';

const patient = (id: string, family = 'Doe', extra: Partial<Patient> = {}): Resource =>
  ({ resourceType: 'Patient', id, name: [{ family, given: ['Jan'] }], ...extra }) as Resource;

/** Every change of one tenant after `cursor`, following the cursor to the end. */
async function drain(
  store: Store,
  tenant: string,
  cursor?: string,
): Promise<{ changes: Change[]; cursor: string }> {
  const changes: Change[] = [];
  let at = cursor;
  for (;;) {
    const page = await store.changes.after(at, 50, { tenant });
    changes.push(...page.changes);
    if (page.cursor === at) return { changes, cursor: page.cursor };
    at = page.cursor;
  }
}

/**
 * The one contract both adapters pass with identical expectations. Each test works in its
 * own tenant, so tests share a database without seeing each other.
 */
export function storeContract(makeHarness: () => Promise<StoreHarness>): void {
  let h: StoreHarness;
  let store: Store;
  let tenant: string;

  beforeAll(async () => {
    h = await makeHarness();
    store = await h.open();
  });
  afterAll(async () => {
    await store?.close();
    await h?.cleanup();
  });
  const newTenant = async () => {
    tenant = `t-${randomUUID().slice(0, 8)}`;
    await store.tenants.ensure(tenant, 'Test clinic');
    return tenant;
  };
  apiKeyContract({ store: () => store, newTenant, reopen: () => h.open() });

  describe('resources', () => {
    it('answers created, then unchanged for identical content, then updated, bumping versionId', async () => {
      await newTenant();
      const first = await store.resources.put(tenant, patient('p1'));
      expect(first.outcome).toBe('created');
      expect(first.stored.versionId).toBe(1);
      expect(first.stored.resource.meta?.versionId).toBe('1');
      expect(first.stored.resource.meta?.lastUpdated).toBe(first.stored.lastUpdated);

      // Same content, keys in another order and with stale meta: still unchanged.
      const same = {
        name: [{ given: ['Jan'], family: 'Doe' }],
        id: 'p1',
        resourceType: 'Patient',
        meta: { versionId: '99', lastUpdated: '2001-01-01T00:00:00Z' },
      } as Resource;
      const again = await store.resources.put(tenant, same);
      expect(again.outcome).toBe('unchanged');
      expect(again.seq).toBeUndefined();
      expect(again.stored.versionId).toBe(1);
      // What it answers as stored is the stored version, meta and all (not the stale meta given).
      expect(again.stored).toEqual(first.stored);
      expect(again.stored).toEqual(await store.resources.read(tenant, 'Patient', 'p1'));

      const changed = await store.resources.put(tenant, patient('p1', 'Roe'));
      expect(changed.outcome).toBe('updated');
      expect(changed.stored.versionId).toBe(2);
      expect(changed.seq).toBeGreaterThan(first.seq as number);
    });

    it("applies the size limit to the input's JSON to the byte, in a batch as alone, and to unchanged content too", async () => {
      await newTenant();
      const fits = patient('fits', 'Müller 😀', { meta: { source: 'urn:x', versionId: '9' } });
      const bytes = Buffer.byteLength(JSON.stringify(fits));
      const atLimit = await h.open({ maxResourceBytes: bytes });
      try {
        expect((await atLimit.resources.putMany(tenant, [patient('small'), fits]))[1]?.outcome).toBe(
          'created',
        );
        const over = patient('over', 'Müller 😀!', { meta: { source: 'urn:x', versionId: '9' } });
        await expect(atLimit.resources.putMany(tenant, [patient('other'), over])).rejects.toBeInstanceOf(
          ResourceTooLargeError,
        );
        // The whole batch was refused: its first resource was not written either.
        expect(await atLimit.resources.read(tenant, 'Patient', 'other')).toBeUndefined();
        expect(await atLimit.resources.read(tenant, 'Patient', 'over')).toBeUndefined();
      } finally {
        await atLimit.close();
      }
      const lowered = await h.open({ maxResourceBytes: bytes - 1 });
      try {
        await expect(lowered.resources.put(tenant, fits)).rejects.toBeInstanceOf(ResourceTooLargeError);
      } finally {
        await lowered.close();
      }
      expect((await drain(store, tenant)).changes.map((c) => c.id)).toEqual(['small', 'fits']);
    });

    it('treats a meta.tag change as a content change', async () => {
      await newTenant();
      await store.resources.put(tenant, patient('p1'));
      const tagged = await store.resources.put(
        tenant,
        patient('p1', 'Doe', { meta: { tag: [{ code: 'x' }] } }),
      );
      expect(tagged.outcome).toBe('updated');
    });

    it('keeps the full history and reads any version', async () => {
      await newTenant();
      await store.resources.put(tenant, patient('p1', 'A'));
      await store.resources.put(tenant, patient('p1', 'B'));
      await store.resources.put(tenant, patient('p1', 'C'));
      const history = await store.resources.history(tenant, 'Patient', 'p1');
      expect(history.map((v) => [(v.resource as Patient).name?.[0]?.family, v.versionId])).toEqual([
        ['A', 1],
        ['B', 2],
        ['C', 3],
      ]);
      const v2 = await store.resources.readVersion(tenant, 'Patient', 'p1', 2);
      expect((v2?.resource as Patient | undefined)?.name?.[0]?.family).toBe('B');
      expect(await store.resources.readVersion(tenant, 'Patient', 'p1', 9)).toBeUndefined();
    });

    it('readMany answers in key order with a typed not-found or gone per missing key', async () => {
      await newTenant();
      await store.resources.putMany(tenant, [patient('a'), patient('b'), patient('gone')]);
      await store.resources.delete(tenant, 'Patient', 'gone');
      const results = await store.resources.readMany(tenant, [
        { type: 'Patient', id: 'b' },
        { type: 'Patient', id: 'missing' },
        { type: 'Patient', id: 'a' },
        { type: 'Patient', id: 'gone' },
        { type: 'Observation', id: 'a' },
      ]);
      expect(results.map((r) => (r instanceof Error ? r.constructor.name : r.id))).toEqual([
        'b',
        'ResourceNotFoundError',
        'a',
        'ResourceGoneError',
        'ResourceNotFoundError',
      ]);
      expect(results[1]).toBeInstanceOf(ResourceNotFoundError);
      expect(results[3]).toBeInstanceOf(ResourceGoneError);
    });

    it('deletes with a tombstone version and a deleted change; a put after it is created again', async () => {
      await newTenant();
      await store.resources.put(tenant, patient('p1'));
      const del = await store.resources.delete(tenant, 'Patient', 'p1');
      expect(del.deleted).toBe(true);
      expect(del.seq).toBeGreaterThan(0);
      const tomb = await store.resources.read(tenant, 'Patient', 'p1');
      expect(tomb?.deleted).toBe(true);
      expect(tomb?.versionId).toBe(2);
      expect(await store.resources.delete(tenant, 'Patient', 'p1')).toEqual({
        deleted: false,
        seq: undefined,
      });
      expect(await store.resources.delete(tenant, 'Patient', 'never')).toEqual({
        deleted: false,
        seq: undefined,
      });
      const back = await store.resources.put(tenant, patient('p1'));
      expect(back.outcome).toBe('created');
      expect(back.stored.versionId).toBe(3);
      const { changes } = await drain(store, tenant);
      expect(changes.map((c) => `${c.action}@${c.versionId}`)).toEqual([
        'created@1',
        'deleted@2',
        'created@3',
      ]);
    });

    it('lists by type with a keyset cursor that stays correct while resources are inserted', async () => {
      await newTenant();
      const ids = Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      await store.resources.putMany(
        tenant,
        ids.map((id) => patient(id)),
      );
      await store.resources.put(tenant, {
        resourceType: 'Observation',
        id: 'o1',
        status: 'final',
        code: {},
      } as Resource);
      await store.resources.delete(tenant, 'Patient', 'p03');
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await store.resources.list(tenant, 'Patient', {
          limit: 10,
          ...(after ? { after } : {}),
        });
        seen.push(...page.items.map((r) => r.id));
        after = page.next;
        pages++;
        // Inserted behind the cursor: must not reappear; ahead of it: must be seen.
        if (pages === 1) await store.resources.putMany(tenant, [patient('p00a'), patient('p99')]);
      } while (after);
      expect(seen).toEqual([...ids.filter((id) => id !== 'p03'), 'p99']);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('batches: putMany answers in input order and handles a repeated key within the batch', async () => {
      await newTenant();
      const results = await store.resources.putMany(tenant, [
        patient('x', 'A'),
        patient('y'),
        patient('x', 'B'),
        patient('y'),
      ]);
      expect(results.map((r) => `${r.stored.id}:${r.outcome}:${r.stored.versionId}`)).toEqual([
        'x:created:1',
        'y:created:1',
        'x:updated:2',
        'y:unchanged:1',
      ]);
      const { changes } = await drain(store, tenant);
      expect(changes).toHaveLength(3);
    });

    it('updates a large batch in one putMany (FerretDB hangs on 100+ update statements)', async () => {
      await newTenant();
      const ids = Array.from({ length: 150 }, (_, i) => `b${i}`);
      await store.resources.putMany(
        tenant,
        ids.map((id) => patient(id, 'Before')),
      );
      const updated = await store.resources.putMany(
        tenant,
        ids.map((id) => patient(id, 'After')),
      );
      expect(updated.every((r) => r.outcome === 'updated' && r.stored.versionId === 2)).toBe(true);
      const read = await store.resources.read(tenant, 'Patient', 'b149');
      expect((read?.resource as Patient | undefined)?.name?.[0]?.family).toBe('After');
    });

    it('isolates tenants', async () => {
      const a = await newTenant();
      const b = await newTenant();
      await store.resources.put(a, patient('p1'));
      expect(await store.resources.read(b, 'Patient', 'p1')).toBeUndefined();
      expect((await store.resources.list(b, 'Patient', { limit: 10 })).items).toEqual([]);
      expect((await drain(store, b)).changes).toEqual([]);
    });
  });

  isolationContract(() => store);
  listCursorContract(
    () => store,
    () => h,
  );

  describe('bad input', () => {
    it('refuses an unknown tenant and writes nothing', async () => {
      const before = await store.changes.highWaterMark();
      await expect(store.resources.put('no-such-tenant', patient('p1'))).rejects.toBeInstanceOf(
        UnknownTenantError,
      );
      await expect(store.resources.put('no-such-tenant', patient('p1'))).rejects.toThrow(
        /unknown tenant "no-such-tenant"/,
      );
      expect(await store.changes.highWaterMark()).toBe(before);
      expect(await store.resources.read('no-such-tenant', 'Patient', 'p1')).toBeUndefined();
    });

    it('refuses a resource without resourceType, with an invalid id, or over the size limit', async () => {
      await newTenant();
      await expect(store.resources.put(tenant, { id: 'x' } as unknown as Resource)).rejects.toThrow(
        /resource has no resourceType/,
      );
      await expect(store.resources.put(tenant, patient('bad id!'))).rejects.toBeInstanceOf(
        InvalidResourceError,
      );
      await expect(store.resources.put(tenant, patient('x'.repeat(65)))).rejects.toThrow(/invalid id/);
      await expect(store.resources.put(tenant, { resourceType: 'Patient' } as Resource)).rejects.toThrow(
        /invalid id/,
      );
      const huge = patient('big', 'x'.repeat(2 * 1024 * 1024));
      await expect(store.resources.put(tenant, huge)).rejects.toBeInstanceOf(ResourceTooLargeError);
      await expect(store.resources.put(tenant, huge)).rejects.toThrow(
        /over the store limit of 1048576 bytes/,
      );
      expect(await store.resources.read(tenant, 'Patient', 'big')).toBeUndefined();
      expect((await drain(store, tenant)).changes).toEqual([]);
    });

    it('writes nothing of a batch that holds one bad resource', async () => {
      await newTenant();
      await expect(
        store.resources.putMany(tenant, [patient('ok1'), { resourceType: 'Patient', id: '' } as Resource]),
      ).rejects.toBeInstanceOf(InvalidResourceError);
      expect(await store.resources.read(tenant, 'Patient', 'ok1')).toBeUndefined();
      expect((await drain(store, tenant)).changes).toEqual([]);
    });

    it('does not put PHI in error messages, whichever field of the bad input holds it', async () => {
      await newTenant();
      // A person's data where the store looks first when input is bad: the id, the type, the
      // name, a batch. Every error, its message, its own fields and its cause must be free of it.
      const phi = ['Secretname', 'Leakgiven', '1961-02-03', '555-0199', 'leak@example.org', '987-65-4321'];
      const person = {
        name: [{ family: 'Secretname', given: ['Leakgiven'] }],
        birthDate: '1961-02-03',
        telecom: [
          { system: 'phone', value: '555-0199' },
          { system: 'email', value: 'leak@example.org' },
        ],
        identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '987-65-4321' }],
      };
      const attempts: [string, () => Promise<unknown>][] = [
        [
          'id with a space',
          () => store.resources.put(tenant, { resourceType: 'Patient', id: 'bad id', ...person } as Resource),
        ],
        [
          'name as the id',
          () =>
            store.resources.put(tenant, {
              resourceType: 'Patient',
              id: 'Secretname Leakgiven',
              ...person,
            } as Resource),
        ],
        [
          'birth date as the id',
          () =>
            store.resources.put(tenant, {
              resourceType: 'Patient',
              id: '1961-02-03 ',
              ...person,
            } as Resource),
        ],
        [
          'name as the type',
          () =>
            store.resources.put(tenant, {
              ...person,
              resourceType: 'Secretname Leakgiven',
              id: 'p1',
            } as unknown as Resource),
        ],
        [
          'phone as the type',
          () =>
            store.resources.put(tenant, {
              ...person,
              resourceType: '555-0199',
              id: 'p1',
            } as unknown as Resource),
        ],
        [
          'bad batch',
          () =>
            store.resources.putMany(tenant, [
              { resourceType: 'Patient', id: 'ok', ...person } as Resource,
              { resourceType: 'Patient', id: 'leak@example.org', ...person } as Resource,
            ]),
        ],
        ['name as the type of a read', () => store.resources.read(tenant, 'Secretname Leakgiven', 'p1')],
        ['name as the id of a read', () => store.resources.read(tenant, 'Patient', 'Secretname Leakgiven')],
        [
          'too large',
          async () => {
            const small = await h.open({ maxResourceBytes: 200 });
            try {
              return await small.resources.put(tenant, {
                resourceType: 'Patient',
                id: 'big',
                ...person,
                text: { status: 'generated', div: 'x'.repeat(300) },
              } as Resource);
            } finally {
              await small.close();
            }
          },
        ],
      ];
      for (const [what, attempt] of attempts) {
        const err = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        // Each write must fail (a bad input silently accepted proves nothing here); a read may
        // answer nothing, but when it throws, the same rule holds.
        if (err === undefined && what.includes('read')) continue;
        expect(err, what).toBeInstanceOf(Error);
        const e = err as Error & { cause?: unknown };
        const text = [
          e.message,
          String(e),
          JSON.stringify(e),
          JSON.stringify({ ...e }),
          String(e.cause ?? ''),
        ].join('\n');
        for (const value of phi) expect(text, `${what}: error carries "${value}"`).not.toContain(value);
      }
    });
  });

  describe('change log', () => {
    it('appends exactly one change per created/updated/deleted version, none for unchanged', async () => {
      await newTenant();
      const start = await store.changes.highWaterMark();
      const cursor = store.changes.cursorAt(start);
      await store.resources.put(tenant, patient('p1'));
      await store.resources.put(tenant, patient('p1'));
      await store.resources.put(tenant, patient('p1', 'Other'), { connection: 'conn-1' });
      await store.resources.delete(tenant, 'Patient', 'p1');
      const { changes } = await drain(store, tenant, cursor);
      expect(changes.map((c) => [c.action, c.versionId, c.type, c.id])).toEqual([
        ['created', 1, 'Patient', 'p1'],
        ['updated', 2, 'Patient', 'p1'],
        ['deleted', 3, 'Patient', 'p1'],
      ]);
      expect(changes[1]?.connection).toBe('conn-1');
      const seqs = changes.map((c) => c.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      expect(await store.changes.highWaterMark()).toBeGreaterThanOrEqual(seqs.at(-1) as number);
    });

    it('pages with an opaque cursor and filters by type and action while advancing past what it drops', async () => {
      await newTenant();
      const cursor = store.changes.cursorAt(await store.changes.highWaterMark());
      for (let i = 0; i < 7; i++) await store.resources.put(tenant, patient(`p${i}`));
      await store.resources.put(tenant, {
        resourceType: 'Observation',
        id: 'o1',
        status: 'final',
        code: {},
      } as Resource);
      await store.resources.put(tenant, patient('p0', 'Changed'));
      const page1 = await store.changes.after(cursor, 4, { tenant });
      expect(page1.changes).toHaveLength(4);
      const rest = await drain(store, tenant, page1.cursor);
      expect(rest.changes).toHaveLength(5);
      const obs = await drain(store, tenant);
      expect(obs.changes.filter((c) => c.type === 'Observation')).toHaveLength(1);
      const filtered = await store.changes.after(cursor, 100, {
        tenant,
        types: ['Patient'],
        actions: ['updated'],
      });
      expect(filtered.changes.map((c) => c.id)).toEqual(['p0']);
      // The cursor moved past the changes the filter dropped.
      expect((await store.changes.after(filtered.cursor, 100, { tenant })).changes).toEqual([]);
    });

    it('records triggers, backfill, connection and the previous version on each change', async () => {
      await newTenant();
      const cursor = store.changes.cursorAt(await store.changes.highWaterMark());
      const calls: string[] = [];
      const triggers = (type: string, action: string, resource: Resource) => {
        calls.push(`${type}.${action}:${(resource as Patient).name?.[0]?.family}`);
        return [`jane.${type.toLowerCase()}.${action}`];
      };
      await store.resources.put(tenant, patient('p1', 'A'), {
        connection: 'jane-1',
        triggers,
        backfill: true,
      });
      // Unchanged: nothing appended, the trigger function is not even asked.
      await store.resources.put(tenant, patient('p1', 'A'), { connection: 'jane-1', triggers });
      await store.resources.putMany(tenant, [patient('p1', 'B'), patient('p2', 'C')], {
        connection: 'jane-1',
        triggers,
      });
      await store.resources.put(tenant, patient('p3', 'D'));
      await store.resources.delete(tenant, 'Patient', 'p1', { connection: 'jane-1', triggers });
      expect(calls).toEqual([
        'Patient.created:A',
        'Patient.updated:B',
        'Patient.created:C',
        'Patient.deleted:B',
      ]);
      const { changes } = await drain(store, tenant, cursor);
      expect(
        changes.map((c) => [c.id, c.action, c.previousVersionId, c.triggers, c.backfill, c.connection]),
      ).toEqual([
        ['p1', 'created', undefined, ['jane.patient.created'], true, 'jane-1'],
        ['p1', 'updated', 1, ['jane.patient.updated'], false, 'jane-1'],
        ['p2', 'created', undefined, ['jane.patient.created'], false, 'jane-1'],
        ['p3', 'created', undefined, [], false, undefined],
        ['p1', 'deleted', 2, ['jane.patient.deleted'], false, 'jane-1'],
      ]);
      // Triggers live on the change only, never on the stored resource.
      const p2 = await store.resources.read(tenant, 'Patient', 'p2');
      expect(JSON.stringify(p2)).not.toContain('jane.patient');
      // A create after a tombstone is a create: it replaced no live version.
      await store.resources.put(tenant, patient('p1', 'E'));
      const recreated = (await drain(store, tenant, cursor)).changes.at(-1);
      expect([recreated?.action, recreated?.versionId, recreated?.previousVersionId]).toEqual([
        'created',
        4,
        undefined,
      ]);
    });

    it('fails a write whose trigger function throws or answers an invalid id, writing nothing', async () => {
      await newTenant();
      await store.resources.put(tenant, patient('keep', 'A'));
      const before = await store.changes.highWaterMark();
      const throwing = () => {
        throw new Error('trigger table broken');
      };
      const invalid = () => ['ok.id', 'no spaces allowed'];
      for (const triggers of [throwing, invalid]) {
        await expect(store.resources.put(tenant, patient('p1'), { triggers })).rejects.toThrow();
        await expect(
          store.resources.putMany(tenant, [patient('p2'), patient('p3')], { triggers }),
        ).rejects.toThrow();
        await expect(store.resources.put(tenant, patient('keep', 'B'), { triggers })).rejects.toThrow();
        await expect(store.resources.delete(tenant, 'Patient', 'keep', { triggers })).rejects.toThrow();
      }
      expect(await store.changes.highWaterMark()).toBe(before);
      for (const id of ['p1', 'p2', 'p3'])
        expect(await store.resources.read(tenant, 'Patient', id)).toBeUndefined();
      const kept = await store.resources.read(tenant, 'Patient', 'keep');
      expect([kept?.versionId, kept?.deleted]).toEqual([1, false]);
      expect((await store.resources.history(tenant, 'Patient', 'keep')).length).toBe(1);
    });

    it('filters by connection and trigger; a filter without a tenant scope is refused, allTenants is explicit', async () => {
      const other = await newTenant();
      await store.resources.put(other, patient('x1'), { connection: 'epic-1' });
      await newTenant();
      const cursor = store.changes.cursorAt((await store.changes.highWaterMark()) - 1);
      const triggers = (type: string, action: string) => [`drchrono.${type.toLowerCase()}.${action}`];
      await store.resources.put(tenant, patient('p1'), { connection: 'drc-1', triggers });
      await store.resources.put(tenant, patient('p2'), { connection: 'jane-1' });
      await store.resources.put(tenant, patient('p3'));
      await store.resources.put(tenant, patient('p1', 'Other'), { connection: 'drc-1', triggers });
      const ids = async (filter: Parameters<Store['changes']['after']>[2]) =>
        (await store.changes.after(cursor, 100, filter)).changes.map(
          (c) => `${c.tenant === tenant ? '' : 'other:'}${c.id}`,
        );
      expect(await ids({ tenant, connections: ['drc-1', 'jane-1'] })).toEqual(['p1', 'p2', 'p1']);
      expect(await ids({ tenant, triggers: ['drchrono.patient.updated', 'unknown.trigger'] })).toEqual([
        'p1',
      ]);
      expect(await ids({ tenant, triggers: [] })).toEqual([]);
      expect(await ids({ allTenants: true })).toEqual(['other:x1', 'p1', 'p2', 'p3', 'p1']);
      expect(await ids({ tenant: other })).toEqual(['other:x1']);
      for (const bad of [
        undefined,
        {},
        { types: ['Patient'] },
        { tenant, allTenants: true },
        { allTenants: false },
      ]) {
        await expect(store.changes.after(cursor, 10, bad as never)).rejects.toBeInstanceOf(
          InvalidChangeFilterError,
        );
      }
    });

    it('rejects a malformed, tampered or earlier-format cursor with a clear error', async () => {
      const good = store.changes.cursorAt(1);
      const tampered = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
      const forged = Buffer.from('c1:1').toString('base64url');
      for (const bad of ['not-a-cursor', tampered, forged, good.slice(1)]) {
        await expect(store.changes.after(bad, 10, { allTenants: true }), bad).rejects.toBeInstanceOf(
          CursorError,
        );
      }
    });

    it('prunes by age, never the newest, and expires cursors before the floor instead of skipping', async () => {
      await newTenant();
      const before = store.changes.cursorAt(await store.changes.highWaterMark());
      await store.resources.put(tenant, patient('old1'));
      await store.resources.put(tenant, patient('old2'));
      const removed = await store.changes.prune(new Date(Date.now() + 60_000));
      expect(removed).toBeGreaterThan(0);
      expect(await store.changes.highWaterMark()).toBeGreaterThan(0);
      await expect(store.changes.after(before, 10, { tenant })).rejects.toBeInstanceOf(CursorExpiredError);
      const fresh = await store.resources.put(tenant, patient('new1'));
      const { changes } = await drain(store, tenant);
      expect(changes.map((c) => c.seq)).toContain(fresh.seq);
      expect(await store.changes.prune(new Date(0))).toBe(0);
    });

    it('gives every seq exactly once, in order, to a tailer while writers race', async () => {
      await newTenant();
      const start = await store.changes.highWaterMark();
      const writers = 4;
      const perWriter = 60;
      const seen: number[] = [];
      let cursor = store.changes.cursorAt(start);
      let done = false;
      const tail = (async () => {
        while (!done) {
          const page = await store.changes.after(cursor, 25, { allTenants: true });
          seen.push(...page.changes.map((c) => c.seq));
          cursor = page.cursor;
          if (page.changes.length === 0) await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const results = await Promise.all(
        Array.from({ length: writers }, (_, writer) => runWriter(h, tenant, writer, perWriter)),
      );
      done = true;
      await tail;
      for (;;) {
        const page = await store.changes.after(cursor, 100, { allTenants: true });
        if (page.changes.length === 0) break;
        seen.push(...page.changes.map((c) => c.seq));
        cursor = page.cursor;
      }
      const committed = results.flat().sort((a, b) => a - b);
      expect(committed.length).toBeGreaterThan(writers * perWriter * 0.5);
      // Exactly the committed seqs, each once, in increasing order, with no gap.
      expect(seen).toEqual(committed);
      expect(committed.at(-1) as number).toBe(start + committed.length);
      const perResource = await drain(store, tenant, store.changes.cursorAt(start));
      for (const c of perResource.changes) {
        const version = await store.resources.readVersion(tenant, c.type, c.id, c.versionId);
        expect(version, `version for change ${c.seq}`).toBeDefined();
      }
    }, 120_000);
    it('gives a tailer contiguous seqs or CursorExpiredError, never a gap, while writers race and prunes run', async () => {
      await newTenant();
      const start = await store.changes.highWaterMark();
      let cursor: string | undefined = store.changes.cursorAt(start);
      let done = false;
      let prunes = 0;
      /** Runs of seqs read between two expiries: each must be gap-free. */
      const runs: number[][] = [[]];
      const read = async () => {
        try {
          const page = await store.changes.after(cursor, 10, { allTenants: true });
          runs.at(-1)?.push(...page.changes.map((c) => c.seq));
          cursor = page.cursor;
          return page.changes.length;
        } catch (error) {
          if (!(error instanceof CursorExpiredError)) throw error;
          runs.push([]);
          cursor = undefined; // start again from the oldest change kept
          return 1;
        }
      };
      const tail = (async () => {
        while (!done) if ((await read()) === 0) await new Promise((r) => setTimeout(r, 2));
      })();
      const pruner = (async () => {
        while (!done) {
          prunes += (await store.changes.prune(new Date(Date.now() + 60_000))) > 0 ? 1 : 0;
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const committed = (
        await Promise.all(Array.from({ length: 2 }, (_, writer) => runWriter(h, tenant, writer, 30)))
      ).flat();
      done = true;
      await Promise.all([tail, pruner]);
      while ((await read()) > 0);
      const seen = runs.flat();
      expect(prunes).toBeGreaterThan(0);
      for (const run of runs)
        expect(run, 'a run of seqs between expiries').toEqual(run.map((_, k) => (run[0] as number) + k));
      expect(new Set(seen).size).toBe(seen.length);
      // Every committed change the prunes left is seen. (Not asserted: that nothing else is. On
      // MongoDB a writer stalled across a whole prune cycle can still log a version twice — the
      // residual window docs/store.md describes.)
      const floorSeq = Math.min(...(runs.at(-1) ?? []));
      expect(committed.filter((seq) => seq >= floorSeq && !seen.includes(seq))).toEqual([]);
      // The newest change is never pruned, so the reader ends on it.
      expect(seen.at(-1)).toBe(Math.max(...committed));
    }, 120_000);
  });

  describe('watermarks and leases', () => {
    it('stores watermarks by key', async () => {
      const key = `wm-${randomUUID()}`;
      expect(await store.watermarks.get(key)).toBeUndefined();
      await store.watermarks.set(key, '2026-01-01T00:00:00Z');
      await store.watermarks.set(key, '2026-01-02T00:00:00Z');
      expect(await store.watermarks.get(key)).toBe('2026-01-02T00:00:00Z');
    });

    it('gives a lease to one holder at a time, hands it over on expiry, and refuses a stale fenced write', async () => {
      const name = `lease-${randomUUID()}`;
      const key = `wm-${name}`;
      const [a, b] = await Promise.all([
        store.leases.acquire(name, 'holder-a', 400),
        store.leases.acquire(name, 'holder-b', 400),
      ]);
      const winners = [a, b].filter((l) => l !== undefined);
      expect(winners).toHaveLength(1);
      const first = winners[0] as NonNullable<typeof a>;
      const loser = first.holder === 'holder-a' ? 'holder-b' : 'holder-a';
      expect(await store.leases.acquire(name, loser, 400)).toBeUndefined();
      // Re-acquiring your own live lease extends it with the same fencing token.
      const again = await store.leases.acquire(name, first.holder, 400);
      expect(again?.fence).toBe(first.fence);
      await store.watermarks.set(key, 'from-first', first);

      await new Promise((r) => setTimeout(r, 600));
      expect(await store.leases.renew(first, 400)).toBeUndefined();
      const second = await store.leases.acquire(name, loser, 10_000);
      expect(second?.fence).toBeGreaterThan(first.fence);
      expect((await store.leases.current(name))?.holder).toBe(loser);

      await expect(store.watermarks.set(key, 'stale', first)).rejects.toBeInstanceOf(FencedOutError);
      await store.watermarks.set(key, 'from-second', second as NonNullable<typeof second>);
      await expect(store.watermarks.set(key, 'stale-again', first)).rejects.toThrow(/refused/);
      expect(await store.watermarks.get(key)).toBe('from-second');

      await store.leases.release(second as NonNullable<typeof second>);
      expect(await store.leases.current(name)).toBeUndefined();
      const third = await store.leases.acquire(name, first.holder, 400);
      expect(third?.fence).toBeGreaterThan((second as NonNullable<typeof second>).fence);
    });

    it('stays exclusive when contenders on separate connections race to take over an expired lease', async () => {
      // Separate stores = separate connections, so the server sees the race (FerretDB v1's
      // conditional updates let two of them win; insert-only terms do not).
      const contenders = await Promise.all([h.open(), h.open(), h.open()]);
      try {
        for (let round = 0; round < 12; round++) {
          const name = `race-${randomUUID()}`;
          const seed = await store.leases.acquire(name, 'seed', 1);
          await new Promise((r) => setTimeout(r, 5));
          const got = await Promise.all(
            contenders.map((s, i) => s.leases.acquire(name, `holder-${i}`, 10_000)),
          );
          const winners = got.filter((l) => l !== undefined);
          expect(winners, `round ${round}`).toHaveLength(1);
          expect(winners[0]?.fence).toBeGreaterThan(seed?.fence ?? 0);
          expect((await store.leases.current(name))?.holder).toBe(winners[0]?.holder);
        }
      } finally {
        await Promise.all(contenders.map((s) => s.close()));
      }
    }, 60_000);

    it('keeps the lease for a holder renewing it from several tasks at once', async () => {
      // The sync engine polls a connection's rows concurrently, each renewing the one lease.
      const name = `lease-${randomUUID()}`;
      const lease = await store.leases.acquire(name, 'holder', 10_000);
      if (!lease) throw new Error('a free lease was not granted');
      const renewed = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          i % 2 === 0 ? store.leases.renew(lease, 10_000) : store.leases.acquire(name, 'holder', 10_000),
        ),
      );
      expect(renewed.map((l) => l?.fence)).toEqual(Array(6).fill(lease.fence));
      await store.watermarks.set(`wm-${name}`, 'still held', lease);
      expect(await store.leases.acquire(name, 'other', 10_000)).toBeUndefined();
    });

    it('lets either the holder renew or a contender take over an expired term, never both', async () => {
      const contender = await h.open();
      try {
        for (let round = 0; round < 12; round++) {
          const name = `renew-race-${randomUUID()}`;
          const held = (await store.leases.acquire(name, 'holder', 1)) as NonNullable<
            Awaited<ReturnType<typeof store.leases.acquire>>
          >;
          await new Promise((r) => setTimeout(r, 5));
          // The holder renews late (its term has just expired) while a contender takes over.
          const [renewed, taken] = await Promise.all([
            store.leases.renew(held, 10_000),
            contender.leases.acquire(name, 'contender', 10_000),
          ]);
          expect(renewed === undefined || taken === undefined, `round ${round}`).toBe(true);
          const current = await store.leases.current(name);
          if (taken) expect(current?.holder).toBe('contender');
          if (renewed) expect(current?.holder).toBe('holder');
        }
      } finally {
        await contender.close();
      }
    }, 60_000);
  });

  describe('quarantine, idempotency, connections', () => {
    it('keeps quarantined input with its reason', async () => {
      await newTenant();
      const raw = { id: 123, first_name: 'X', dob: 'not-a-date' };
      const entry = await store.quarantine.add({
        tenant,
        connection: 'dc-1',
        what: 'drchrono:patients/123',
        reason: 'birthDate: not a date',
        raw,
      });
      await store.quarantine.add({
        tenant,
        connection: 'jane-1',
        what: 'jane:patients/9',
        reason: 'r',
        raw: {},
      });
      const listed = await store.quarantine.list(tenant, { connection: 'dc-1' });
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({
        what: 'drchrono:patients/123',
        reason: 'birthDate: not a date',
        raw,
      });
      expect(await store.quarantine.list(tenant)).toHaveLength(2);
      expect(await store.quarantine.remove(tenant, entry.id)).toBe(true);
      expect(await store.quarantine.list(tenant)).toHaveLength(1);
    });

    it('claims an idempotency key once, replays the completed response, refuses a different request', async () => {
      await newTenant();
      expect(await store.idempotency.begin(tenant, 'k1', 'h1')).toEqual({ state: 'started' });
      expect(await store.idempotency.begin(tenant, 'k1', 'h1')).toEqual({ state: 'in-progress' });
      await expect(store.idempotency.begin(tenant, 'k1', 'h2')).rejects.toBeInstanceOf(
        IdempotencyConflictError,
      );
      await store.idempotency.complete(tenant, 'k1', { id: 'Patient/1' });
      expect(await store.idempotency.begin(tenant, 'k1', 'h1')).toEqual({
        state: 'completed',
        response: { id: 'Patient/1' },
      });
      expect(await store.idempotency.begin(tenant, 'k2', 'h1')).toEqual({ state: 'started' });
      await store.idempotency.abandon(tenant, 'k2');
      expect(await store.idempotency.begin(tenant, 'k2', 'h1')).toEqual({ state: 'started' });
      const other = await newTenant();
      expect(await store.idempotency.begin(other, 'k1', 'h9')).toEqual({ state: 'started' });
    });

    it('encrypts connection secrets at rest and refuses a wrong key', async () => {
      await newTenant();
      const secrets = { refresh_token: 'rt-very-secret-value', client_secret: 'cs-another-secret' };
      const conn = await store.connections.put(
        { tenant, id: 'jane-1', source: 'jane', config: { baseUrl: 'http://127.0.0.1:1' } },
        secrets,
      );
      expect(conn).toMatchObject({
        tenant,
        id: 'jane-1',
        source: 'jane',
        config: { baseUrl: 'http://127.0.0.1:1' },
      });
      expect(await store.connections.secrets(tenant, 'jane-1')).toEqual(secrets);
      const raw = await h.rawSecrets(tenant, 'jane-1');
      expect(raw).not.toContain('rt-very-secret-value');
      expect(raw).not.toContain('cs-another');
      expect(raw.startsWith('v2.')).toBe(true);
      expect((await store.connections.list(tenant)).map((c) => c.id)).toEqual(['jane-1']);

      const wrong = await h.open({ key: Buffer.alloc(32, 9) });
      try {
        await expect(wrong.connections.secrets(tenant, 'jane-1')).rejects.toBeInstanceOf(
          SecretDecryptionError,
        );
        await expect(wrong.connections.secrets(tenant, 'jane-1')).rejects.toThrow(
          /wrong data-encryption key/,
        );
      } finally {
        await wrong.close();
      }
      expect(await store.connections.remove(tenant, 'jane-1')).toBe(true);
      expect(await store.connections.get(tenant, 'jane-1')).toBeUndefined();
    });
  });

  secretsContract(() => ({ h, store }));
  budgetContract(() => ({ h, store }));
}

function runWriter(h: StoreHarness, tenant: string, writer: number, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./writer-worker.ts', import.meta.url), {
      workerData: { target: h.workerTarget, tenant, writer, count, sharedIds: 3 },
    });
    worker.once('message', (m: { seqs: number[] }) => resolve(m.seqs));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`writer ${writer} exited with ${code}`));
    });
  });
}
