import { randomUUID } from 'node:crypto';
import type { Patient, Resource } from 'fhir/r4';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidIdError } from '../../src/store/errors.ts';
import type { Lease, Store } from '../../src/store/port.ts';

const patient = (id: string, family: string): Resource =>
  ({ resourceType: 'Patient', id, name: [{ family }] }) as Resource;

/** Ids that must never reach an adapter: separators, operator objects, unicode, overlong, empty, control characters. */
const HOSTILE_COMMON: readonly unknown[] = [
  { $ne: '' },
  { $gt: '' },
  ['x'],
  null,
  42,
  '',
  'x'.repeat(65),
  'é',
  'ａcme',
  'a\u200bb',
  'a\u0000b',
  'a\nb',
  'a b',
];
const HOSTILE = {
  tenant: (base: string) => [
    ...HOSTILE_COMMON,
    undefined,
    `${base}/clinic2`,
    `${base}%2Fclinic2`,
    `${base}.clinic2`,
    `-${base}`,
    `_${base}`,
    `${base}é`,
  ],
  type: [
    'clinic2/Patient',
    'Patient/',
    'patient',
    'Pätient',
    'Patient-x',
    `P${'a'.repeat(64)}`,
    undefined,
    ...HOSTILE_COMMON,
  ],
  id: ['Patient/p1', '../p1', 'p_1', 'p~1', 'p1%2F', 'ｐ1', undefined, ...HOSTILE_COMMON],
  connection: ['clinic2/jane', 'jane/', 'jane%2F', 'jané', 'jane:1', ...HOSTILE_COMMON],
  idempotencyKey: [{ $ne: '' }, ['k'], null, 42, '', 'k'.repeat(201), 'k\n', 'k\u0000', 'ké', 'k\u200b'],
  /** Watermark keys and lease names: printable ASCII up to 256. */
  coordinationKey: [{ $ne: '' }, ['k'], null, 42, '', 'k'.repeat(257), 'k\n', 'k\u0000', 'ké'],
} as const;

type Call = (store: Store, bad: unknown) => Promise<unknown>;

/**
 * Tenant isolation, for every tenant-scoped method of the port: a neighbour tenant whose id
 * extends ours (`acme` / `acme-clinic2`) is never reached with our tenant id, whatever ids we
 * pass; hostile ids (separators, operator objects, unicode, overlong) are refused at the port
 * with InvalidIdError before any adapter reads or writes, and the message never echoes them.
 */
export function isolationContract(getStore: () => Store): void {
  const acme = `iso${randomUUID().slice(0, 8)}`;
  const neighbour = `${acme}-clinic2`;
  let store: Store;
  let neighbourEntry: string;
  const lease = (name: unknown): Lease => ({ name, holder: 'h', fence: 1, expiresAt: 0 }) as unknown as Lease;

  beforeAll(async () => {
    store = getStore();
    await store.tenants.ensure(acme);
    await store.tenants.ensure(neighbour);
    await store.resources.put(acme, patient('own', 'Ours'));
    await store.resources.put(neighbour, patient('p1', 'Neighbour'));
    await store.resources.put(neighbour, patient('p1', 'Neighbour2'));
    await store.connections.put(
      { tenant: neighbour, id: 'jane', source: 'jane', config: {} },
      { refresh_token: 'neighbour-token' },
    );
    await store.connections.put({ tenant: acme, id: 'own', source: 'jane', config: {} }, { t: 'x' });
    neighbourEntry = (
      await store.quarantine.add({
        tenant: neighbour,
        connection: 'jane',
        what: 'jane:patients/1',
        reason: 'r',
        raw: { n: 1 },
      })
    ).id;
    await store.idempotency.begin(neighbour, 'k1', 'h1');
    await store.idempotency.complete(neighbour, 'k1', { secret: 'neighbour-response' });
    await store.tenantSecrets.put(neighbour, 'epic-key', 'neighbour-signing-key');
  });

  /** Every tenant-scoped method, with the hostile value at each id position. */
  const CALLS: ReadonlyArray<readonly [string, keyof typeof HOSTILE, Call]> = [
    ['tenants.ensure', 'tenant', (s, t) => s.tenants.ensure(t as string)],
    ['tenants.get', 'tenant', (s, t) => s.tenants.get(t as string)],
    ['resources.put tenant', 'tenant', (s, t) => s.resources.put(t as string, patient('x', 'X'))],
    [
      'resources.put connection',
      'connection',
      (s, c) => s.resources.put(acme, patient('x', 'X'), { connection: c as string }),
    ],
    ['resources.putMany tenant', 'tenant', (s, t) => s.resources.putMany(t as string, [patient('x', 'X')])],
    ['resources.read tenant', 'tenant', (s, t) => s.resources.read(t as string, 'Patient', 'p1')],
    ['resources.read type', 'type', (s, ty) => s.resources.read(acme, ty as string, 'p1')],
    ['resources.read id', 'id', (s, id) => s.resources.read(acme, 'Patient', id as string)],
    [
      'resources.readMany tenant',
      'tenant',
      (s, t) => s.resources.readMany(t as string, [{ type: 'Patient', id: 'p1' }]),
    ],
    [
      'resources.readVersion tenant',
      'tenant',
      (s, t) => s.resources.readVersion(t as string, 'Patient', 'p1', 1),
    ],
    ['resources.readVersion type', 'type', (s, ty) => s.resources.readVersion(acme, ty as string, 'p1', 1)],
    ['resources.readVersion id', 'id', (s, id) => s.resources.readVersion(acme, 'Patient', id as string, 1)],
    ['resources.history tenant', 'tenant', (s, t) => s.resources.history(t as string, 'Patient', 'p1')],
    ['resources.history type', 'type', (s, ty) => s.resources.history(acme, ty as string, 'p1')],
    ['resources.history id', 'id', (s, id) => s.resources.history(acme, 'Patient', id as string)],
    ['resources.delete tenant', 'tenant', (s, t) => s.resources.delete(t as string, 'Patient', 'p1')],
    ['resources.delete type', 'type', (s, ty) => s.resources.delete(acme, ty as string, 'p1')],
    ['resources.delete id', 'id', (s, id) => s.resources.delete(acme, 'Patient', id as string)],
    ['resources.list tenant', 'tenant', (s, t) => s.resources.list(t as string, 'Patient', { limit: 10 })],
    ['resources.list type', 'type', (s, ty) => s.resources.list(acme, ty as string, { limit: 10 })],
    ['resources.search tenant', 'tenant', (s, t) => s.resources.search(t as string, 'Patient', searchAll)],
    ['resources.search type', 'type', (s, ty) => s.resources.search(acme, ty as string, searchAll)],
    [
      'quarantine.add tenant',
      'tenant',
      (s, t) => s.quarantine.add({ tenant: t as string, connection: 'c', what: 'w', reason: 'r', raw: {} }),
    ],
    [
      'quarantine.add connection',
      'connection',
      (s, c) => s.quarantine.add({ tenant: acme, connection: c as string, what: 'w', reason: 'r', raw: {} }),
    ],
    ['quarantine.list tenant', 'tenant', (s, t) => s.quarantine.list(t as string)],
    [
      'quarantine.list connection',
      'connection',
      (s, c) => s.quarantine.list(acme, { connection: c as string }),
    ],
    ['quarantine.remove tenant', 'tenant', (s, t) => s.quarantine.remove(t as string, neighbourEntry)],
    ['quarantine.remove id', 'id', (s, id) => s.quarantine.remove(acme, id as string)],
    ['idempotency.begin tenant', 'tenant', (s, t) => s.idempotency.begin(t as string, 'k1', 'h1')],
    ['idempotency.begin key', 'idempotencyKey', (s, k) => s.idempotency.begin(acme, k as string, 'h1')],
    ['idempotency.complete tenant', 'tenant', (s, t) => s.idempotency.complete(t as string, 'k1', {})],
    ['idempotency.complete key', 'idempotencyKey', (s, k) => s.idempotency.complete(acme, k as string, {})],
    ['idempotency.abandon tenant', 'tenant', (s, t) => s.idempotency.abandon(t as string, 'k1')],
    ['idempotency.abandon key', 'idempotencyKey', (s, k) => s.idempotency.abandon(acme, k as string)],
    [
      'connections.put tenant',
      'tenant',
      (s, t) => s.connections.put({ tenant: t as string, id: 'c', source: 'jane', config: {} }, {}),
    ],
    [
      'connections.put id',
      'connection',
      (s, c) => s.connections.put({ tenant: acme, id: c as string, source: 'jane', config: {} }, {}),
    ],
    ['connections.get tenant', 'tenant', (s, t) => s.connections.get(t as string, 'jane')],
    ['connections.get id', 'connection', (s, c) => s.connections.get(acme, c as string)],
    ['connections.secrets tenant', 'tenant', (s, t) => s.connections.secrets(t as string, 'jane')],
    ['connections.secrets id', 'connection', (s, c) => s.connections.secrets(acme, c as string)],
    ['connections.remove tenant', 'tenant', (s, t) => s.connections.remove(t as string, 'jane')],
    ['connections.remove id', 'connection', (s, c) => s.connections.remove(acme, c as string)],
    ['connections.list tenant', 'tenant', (s, t) => s.connections.list(t as string)],
    [
      'connections.resealSecrets tenant',
      'tenant',
      (s, t) => s.connections.resealSecrets(t as string, 'jane'),
    ],
    ['connections.resealSecrets id', 'connection', (s, c) => s.connections.resealSecrets(acme, c as string)],
    ['tenantSecrets.put tenant', 'tenant', (s, t) => s.tenantSecrets.put(t as string, 'epic-key', 'v')],
    ['tenantSecrets.get tenant', 'tenant', (s, t) => s.tenantSecrets.get(t as string, 'epic-key')],
    ['tenantSecrets.names tenant', 'tenant', (s, t) => s.tenantSecrets.names(t as string)],
    ['tenantSecrets.remove tenant', 'tenant', (s, t) => s.tenantSecrets.remove(t as string, 'epic-key')],
    ['tenantSecrets.reseal tenant', 'tenant', (s, t) => s.tenantSecrets.reseal(t as string, 'epic-key')],
    ['watermarks.get key', 'coordinationKey', (s, k) => s.watermarks.get(k as string)],
    ['watermarks.set key', 'coordinationKey', (s, k) => s.watermarks.set(k as string, 'v')],
    ['leases.acquire name', 'coordinationKey', (s, k) => s.leases.acquire(k as string, 'h', 1000)],
    ['leases.current name', 'coordinationKey', (s, k) => s.leases.current(k as string)],
    ['leases.release name', 'coordinationKey', (s, k) => s.leases.release(lease(k))],
  ];

  describe('tenant isolation', () => {
    it.each(CALLS)(
      '%s refuses hostile ids with InvalidIdError that does not echo them',
      async (_, kind, call) => {
        const before = await store.changes.highWaterMark();
        const values = kind === 'tenant' ? HOSTILE.tenant(acme) : HOSTILE[kind];
        for (const bad of values) {
          const error = await call(store, bad).then(
            (answer) => new Error(`accepted ${JSON.stringify(bad)}, answered ${JSON.stringify(answer)}`),
            (e: unknown) => e,
          );
          expect(error, `${JSON.stringify(bad)}`).toBeInstanceOf(InvalidIdError);
          if (typeof bad === 'string' && bad.length > 2) expect((error as Error).message).not.toContain(bad);
        }
        expect(await store.changes.highWaterMark()).toBe(before);
      },
    );

    it('the reported attack: tenant `acme/clinic2` cannot be made, and `acme` + `clinic2` + `Patient/p1` reaches nothing', async () => {
      // The victim is set up only if the store lets it exist (it must not); the attack runs either way.
      const victim = `${acme}/clinic2`;
      const outcome = (p: Promise<unknown>) =>
        p.then(
          (answer) => ({ answered: answer ?? null }),
          (e: unknown) => (e instanceof InvalidIdError ? 'refused' : `threw ${(e as Error).name}`),
        );
      const created = await outcome(store.tenants.ensure(victim));
      if (created !== 'refused') {
        await store.resources.put(victim, patient('p1', 'Victim')).catch(() => {});
        await store.connections
          .put({ tenant: victim, id: 'jane', source: 'jane', config: {} }, { refresh_token: 'victim-token' })
          .catch(() => {});
        await store.idempotency.begin(victim, 'k1', 'h1').catch(() => {});
        await store.idempotency.complete(victim, 'k1', { victim: true }).catch(() => {});
      }
      const attack = {
        created,
        read: await outcome(store.resources.read(acme, 'clinic2', 'Patient/p1').then((r) => r?.id)),
        readMany: await outcome(
          store.resources
            .readMany(acme, [{ type: 'clinic2', id: 'Patient/p1' }])
            .then((r) => r.map((x) => (x instanceof Error ? x.name : x.id))),
        ),
        readVersion: await outcome(
          store.resources.readVersion(acme, 'clinic2', 'Patient/p1', 1).then((r) => r?.id),
        ),
        secrets: await outcome(store.connections.secrets(acme, 'clinic2/jane')),
        idempotency: await outcome(store.idempotency.begin(acme, 'clinic2/k1', 'h1')),
        remove: await outcome(store.connections.remove(acme, 'clinic2/jane')),
        quarantine: await outcome(
          store.quarantine.list(acme, { connection: { $ne: '' } as unknown as string }),
        ),
      };
      expect(attack).toEqual({
        created: 'refused',
        read: 'refused',
        readMany: { answered: ['InvalidIdError'] },
        readVersion: 'refused',
        secrets: 'refused',
        // A key may hold `/`: it names our own claim, never the neighbour's.
        idempotency: { answered: { state: 'started' } },
        remove: 'refused',
        quarantine: 'refused',
      });
    });

    it('page limits and version numbers must be whole numbers in range', async () => {
      const refused = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(InvalidIdError);
      for (const limit of [0, -1, 1001, 1.5, Number.NaN, '10', { $gt: 0 }])
        await refused(store.resources.list(acme, 'Patient', { limit: limit as number }));
      for (const limit of [0, 10_001, '5'])
        await refused(store.quarantine.list(acme, { limit: limit as number }));
      for (const version of [0, -1, 1.5, '1', { $gte: 1 }])
        await refused(store.resources.readVersion(acme, 'Patient', 'own', version as number));
      await refused(
        store.resources.list(acme, 'Patient', { limit: 10, after: { $gt: '' } as unknown as string }),
      );
      expect((await store.resources.list(acme, 'Patient', { limit: 1000 })).items.map((r) => r.id)).toContain(
        'own',
      );
      expect(await store.quarantine.list(acme, { limit: 10_000 })).toEqual([]);
    });

    it('creates no tenant from a hostile id', async () => {
      const names = (await store.tenants.list()).map((t) => t.id);
      expect(names.filter((n) => n.startsWith(acme)).sort()).toEqual([acme, neighbour]);
    });

    it('readMany fails only the slot of a hostile key', async () => {
      const results = await store.resources.readMany(acme, [
        { type: 'Patient', id: 'own' },
        { type: 'clinic2/Patient', id: 'p1' },
        { type: 'Patient', id: { $ne: '' } as unknown as string },
        { type: 'Patient', id: 'p1' },
      ]);
      expect(results.map((r) => (r instanceof Error ? r.constructor.name : r.id))).toEqual([
        'own',
        'InvalidIdError',
        'InvalidIdError',
        'ResourceNotFoundError',
      ]);
    });

    it('a neighbour whose id extends ours is never read, listed or changed through our id', async () => {
      expect(await store.resources.read(acme, 'Patient', 'p1')).toBeUndefined();
      expect(await store.resources.readVersion(acme, 'Patient', 'p1', 1)).toBeUndefined();
      expect(await store.resources.history(acme, 'Patient', 'p1')).toEqual([]);
      expect((await store.resources.list(acme, 'Patient', { limit: 10 })).items.map((r) => r.id)).toEqual([
        'own',
      ]);
      expect(await store.resources.delete(acme, 'Patient', 'p1')).toEqual({ deleted: false, seq: undefined });
      const mine = await store.resources.put(acme, patient('p1', 'Mine'));
      expect(mine.outcome).toBe('created');
      const theirs = await store.resources.read(neighbour, 'Patient', 'p1');
      expect([
        theirs?.versionId,
        theirs?.deleted,
        (theirs?.resource as Patient | undefined)?.name?.[0]?.family,
      ]).toEqual([2, false, 'Neighbour2']);
      await store.resources.delete(acme, 'Patient', 'p1');
      expect((await store.resources.read(neighbour, 'Patient', 'p1'))?.deleted).toBe(false);
    });

    it('quarantine: our list never shows the neighbour, our remove never removes theirs', async () => {
      expect(await store.quarantine.list(acme)).toEqual([]);
      expect(await store.quarantine.list(acme, { connection: 'jane' })).toEqual([]);
      expect(await store.quarantine.remove(acme, neighbourEntry)).toBe(false);
      expect((await store.quarantine.list(neighbour)).map((e) => e.id)).toEqual([neighbourEntry]);
    });

    it('idempotency: the neighbour’s key is ours to start, and never answers their response', async () => {
      const other = `k${randomUUID().slice(0, 4)}`;
      expect(await store.idempotency.begin(acme, 'k1', 'h1')).toEqual({ state: 'started' });
      await store.idempotency.abandon(acme, 'k1');
      await store.idempotency.complete(acme, 'k1', { overwritten: true });
      // Keys may hold `/`; they still name only our own claims.
      expect(await store.idempotency.begin(acme, `${neighbour}/k1`, 'h1')).toEqual({ state: 'started' });
      expect(await store.idempotency.begin(acme, `../${neighbour}/k1`, 'h1')).toEqual({ state: 'started' });
      expect(await store.idempotency.begin(acme, other, 'h1')).toEqual({ state: 'started' });
      expect(await store.idempotency.begin(neighbour, 'k1', 'h1')).toEqual({
        state: 'completed',
        response: { secret: 'neighbour-response' },
      });
    });

    it('connections: get, secrets, remove and list through our id never reach the neighbour’s', async () => {
      expect(await store.connections.get(acme, 'jane')).toBeUndefined();
      expect(await store.connections.secrets(acme, 'jane')).toEqual({});
      expect(await store.connections.remove(acme, 'jane')).toBe(false);
      expect((await store.connections.list(acme)).map((c) => c.id)).toEqual(['own']);
      expect(await store.connections.secrets(neighbour, 'jane')).toEqual({
        refresh_token: 'neighbour-token',
      });
      expect((await store.connections.list(neighbour)).map((c) => c.id)).toEqual(['jane']);
    });

    it('tenant secrets: get, names, remove and reseal through our id never reach the neighbour’s', async () => {
      expect(await store.tenantSecrets.get(acme, 'epic-key')).toBeUndefined();
      expect(await store.tenantSecrets.names(acme)).toEqual([]);
      expect(await store.tenantSecrets.remove(acme, 'epic-key')).toBe(false);
      expect(await store.tenantSecrets.reseal(acme, 'epic-key')).toBe('missing');
      expect(await store.tenantSecrets.get(neighbour, 'epic-key')).toBe('neighbour-signing-key');
    });

    it('listing every tenant’s connections is explicit: listAllTenants', async () => {
      const all = (await store.connections.listAllTenants())
        .filter((c) => c.tenant.startsWith(acme))
        .map((c) => `${c.tenant}:${c.id}`);
      expect(all).toEqual([`${acme}:own`, `${neighbour}:jane`]);
      await expect(store.connections.list(undefined as unknown as string)).rejects.toBeInstanceOf(
        InvalidIdError,
      );
    });
  });
}

const searchAll = {
  resourceType: 'Patient',
  clauses: [],
  sort: [],
  count: 10,
  total: 'none',
  cursor: null,
} as const;
