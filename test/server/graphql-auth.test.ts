import type { Patient } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startGraphQLGateway } from './graphql-harness.ts';

let gw: Harness;
let keyA: string;
let keyB: string;
beforeAll(async () => {
  gw = await startGraphQLGateway();
  keyA = await gw.keyFor('clinic-a', ['read']);
  keyB = await gw.keyFor('clinic-b', ['read']);
  const patient = (id: string, family: string) =>
    ({ resourceType: 'Patient', id, name: [{ family }] }) as Patient;
  // Same ids in both tenants, and an id only B has: nothing of B may show through A's key.
  await gw.store.resources.put('clinic-a', patient('p1', 'Alpha'));
  await gw.store.resources.put('clinic-b', patient('p1', 'Bravo'));
  await gw.store.resources.put('clinic-b', patient('only-b', 'Bravo-only'));
});
afterAll(() => gw?.close());

describe('GraphQL API keys over HTTP', () => {
  it('answers a missing key with 401, a clear error and an OperationOutcome, without running anything', async () => {
    const before = gw.calls.count;
    const res = await gw.query(undefined, '{ Patient(id: "p1") { family } }');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.message).toBe('an API key is required: send `Authorization: Bearer <key>`');
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.errors?.[0]?.extensions?.resource).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'login' }],
    });
    expect(gw.calls.count).toBe(before);
  });

  it('answers malformed, wrong and revoked keys with 401, never echoing the key', async () => {
    const wrong = `${keyA.slice(0, 21)}${'x'.repeat(43)}`;
    for (const [token, message] of [
      [
        'not-a-key',
        'the Authorization header must be `Bearer fgw_<id>_<secret>` (an API key of this gateway)',
      ],
      [wrong, 'the API key is not valid'],
    ] as const) {
      const res = await gw.query(token, '{ __typename }');
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.message).toBe(message);
      expect(JSON.stringify(res.body)).not.toContain(token);
    }
    const doomed = await gw.keyFor('clinic-a', ['read']);
    expect((await gw.query(doomed, '{ __typename }')).status).toBe(200);
    expect(await gw.keys.revoke(doomed.slice(4, 20))).toBe(true);
    const revoked = await gw.query(doomed, '{ __typename }');
    expect(revoked.status).toBe(401);
    expect(revoked.body.errors?.[0]?.message).toMatch(/^API key [0-9a-f]{16} has been revoked$/);
  });

  it('never lets a key of tenant A read tenant B, by id, by list or through a reference', async () => {
    const a = await gw.query(
      keyA,
      '{ Patient(id: "p1") { family self { family } } PatientList { id family } }',
    );
    expect(a.body).toEqual({
      data: {
        Patient: { family: 'Alpha', self: { family: 'Alpha' } },
        PatientList: [{ id: 'p1', family: 'Alpha' }],
      },
    });
    const onlyB = await gw.query(keyA, '{ Patient(id: "only-b") { family } }');
    expect(onlyB.body.data).toEqual({ Patient: null });
    const b = await gw.query(keyB, '{ Patient(id: "p1") { family } PatientList { id } }');
    expect(b.body.data).toEqual({
      Patient: { family: 'Bravo' },
      PatientList: [{ id: 'only-b' }, { id: 'p1' }],
    });
  });

  it('checks scopes per operation before running it: read for queries, write for mutations, admin for admin fields', async () => {
    const writer = await gw.keyFor('clinic-a', ['write']);
    const admin = await gw.keyFor('clinic-a', ['admin']);
    const before = gw.calls.count;
    const denied = [
      await gw.query(keyA, 'mutation { touch }'),
      await gw.query(keyA, '{ admin { tenant } }'),
      await gw.query(writer, '{ Patient(id: "p1") { id } }'),
      await gw.query(writer, 'query Q { ...F } fragment F on Query { PatientList { id } }'),
      await gw.query(admin, '{ admin { tenant } PatientList { id } }'),
    ];
    for (const res of denied) {
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.body.errors?.[0]?.message).toContain('this API key lacks the scope(s) this operation needs');
    }
    expect(gw.calls.count).toBe(before);
    expect((await gw.query(writer, 'mutation { touch }')).body.data).toEqual({ touch: 'touched' });
    expect((await gw.query(admin, '{ admin { tenant } }')).body.data).toEqual({
      admin: { tenant: 'clinic-a' },
    });
    expect((await gw.query(writer, '{ __typename }')).body.data).toEqual({ __typename: 'Query' });
  });

  it('masks internal errors: a generic message to the client, no message text in the log', async () => {
    const res = await gw.query(keyA, '{ boom }');
    expect(res.body.errors?.[0]?.message).toBe('Unexpected error.');
    expect(res.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const everything = JSON.stringify(res.body) + gw.logLines.join('');
    expect(everything).not.toContain('Jane Doe');
    expect(everything).not.toContain('1970-01-01');
    const logged = gw.logLines.find((l) => l.includes('graphql resolver failed (masked)'));
    expect(JSON.parse(logged ?? '{}')).toMatchObject({ error: { errorType: 'Error' }, path: ['boom'] });
  });

  it('serves introspection to a valid key only', async () => {
    const q = '{ __schema { queryType { name } } }';
    expect((await gw.query(undefined, q)).status).toBe(401);
    expect((await gw.query(keyB, q)).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('renders GraphiQL outside demo mode only for a request carrying a valid key', async () => {
    const anonymous = await fetch(gw.url, { headers: { accept: 'text/html' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/json');
    const keyed = await fetch(gw.url, { headers: { accept: 'text/html', authorization: `Bearer ${keyA}` } });
    expect(keyed.status).toBe(200);
    const html = await keyed.text();
    expect(html).toContain('<title>FHIR gateway</title>');
    expect(html).not.toContain(keyA);
  });
});
