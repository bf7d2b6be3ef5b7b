import type { Patient } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRAPHQL_LIMITS } from '../../src/server/graphql-limits.ts';
import { type Harness, startGraphQLGateway } from './graphql-harness.ts';

let gw: Harness;
let key: string;
beforeAll(async () => {
  gw = await startGraphQLGateway();
  key = await gw.keyFor('clinic-a', ['read']);
  await gw.store.resources.put('clinic-a', {
    resourceType: 'Patient',
    id: 'p1',
    name: [{ family: 'A' }],
  } as Patient);
});
afterAll(() => gw?.close());

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
const nested = (depth: number) =>
  `{ Patient(id: "p1") { ${'self { '.repeat(depth)}id${' }'.repeat(depth)} } }`;

/** Asserts the request was refused with `message` in its first error and ran no resolver. */
async function refused(res: Awaited<ReturnType<Harness['query']>>, message: string | RegExp, before: number) {
  expect(res.body.data ?? null).toBeNull();
  expect(res.body.errors?.[0]?.message).toMatch(message);
  expect(res.body.errors?.[0]?.extensions?.resource?.resourceType).toBe('OperationOutcome');
  expect(gw.calls.count).toBe(before);
}

describe('GraphQL limits, checked before anything runs', () => {
  it('rejects a query deeper than the depth limit', async () => {
    const before = gw.calls.count;
    await refused(await gw.query(key, nested(20)), /depth limit of 15 exceeded/i, before);
    expect((await gw.query(key, nested(10))).body.errors).toBeUndefined();
  });

  it('rejects more aliases than allowed, and a 10,000-alias bomb at the token limit', async () => {
    const before = gw.calls.count;
    await refused(await gw.query(key, aliases(31)), /aliases limit of 30 exceeded/i, before);
    await refused(await gw.query(key, aliases(10_000)), /token limit of 5000 exceeded/i, before);
    expect((await gw.query(key, aliases(30))).body.errors).toBeUndefined();
  });

  it('rejects a `_count` over the limit, given inline or through a variable', async () => {
    const before = gw.calls.count;
    const max = DEFAULT_GRAPHQL_LIMITS.maxCount;
    const message = `\`_count\` on \`PatientList\` must be an integer from 0 to ${max}`;
    await refused(await gw.query(key, `{ PatientList(_count: ${max + 1}) { id } }`), message, before);
    const viaVariable = await gw.query(key, 'query Q($n: Int) { PatientList(_count: $n) { id } }', {
      n: 5_000,
    });
    await refused(viaVariable, message, before);
    expect(viaVariable.body.errors?.[0]?.extensions?.code).toBe('COUNT_LIMIT');
    await refused(await gw.query(key, '{ PatientList(_count: -1) { id } }'), message, before);
    expect((await gw.query(key, `{ PatientList(_count: ${max}) { id } }`)).body.data).toEqual({
      PatientList: [{ id: 'p1' }],
    });
  });

  it('prices nested pages by their page sizes and rejects a query over the budget', async () => {
    const before = gw.calls.count;
    // 1 + 1000 × (1 + 1000 × 1): a million rows' worth, in a 60-byte query.
    const bomb = await gw.query(key, '{ PatientList(_count: 1000) { others(_count: 1000) { id } } }');
    await refused(bomb, /^the query would cost 1001001, over the budget of 100000 per request/, before);
    expect(bomb.body.errors?.[0]?.extensions?.code).toBe('COST_LIMIT');
    // Fragments are priced too, and a default page size applies when `_count` is left out.
    const viaFragment = await gw.query(
      key,
      '{ PatientList(_count: 1000) { ...F } } fragment F on Patient { others { others { id } } }',
    );
    await refused(viaFragment, /over the budget/, before);
    const fine = await gw.query(key, '{ PatientList(_count: 10) { others(_count: 10) { id } } }');
    expect(fine.body).toEqual({ data: { PatientList: [{ others: [{ id: 'p1' }] }] } });
  });

  it('refuses an oversize body with 413 before reading it all', async () => {
    const padding = 'x'.repeat(DEFAULT_GRAPHQL_LIMITS.maxBodyBytes);
    const res = await gw.post(key, { query: `{ __typename } # ${padding}` });
    expect(res.status).toBe(413);
    expect(JSON.stringify(res.body)).toMatch(/body|size|large/i);
  });

  it('prevents CSRF: a browser-simple request (GET or form POST) without the CSRF header is refused', async () => {
    const get = (headers: Record<string, string>) =>
      fetch(`${gw.url}?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { authorization: `Bearer ${key}`, ...headers },
      });
    const simple = await get({});
    expect(simple.status).toBe(403);
    const body = (await simple.json()) as {
      errors: Array<{ message: string; extensions: { code: string } }>;
    };
    expect(body.errors[0]?.message).toContain('must carry the `x-graphql-yoga-csrf` header');
    expect(body.errors[0]?.extensions.code).toBe('CSRF_PREVENTED');
    expect((await get({ 'x-graphql-yoga-csrf': '1' })).status).toBe(200);
    const form = await fetch(gw.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent('{ __typename }')}`,
    });
    expect(form.status).toBe(403);
  });
});

describe('bad input', () => {
  it('answers a burst of malformed, hostile and unauthenticated requests each with a clear error, then serves a normal query', async () => {
    const revoked = await gw.keyFor('clinic-a', ['read']);
    await gw.keys.revoke(revoked.slice(4, 20));
    const before = gw.calls.count;
    // Plain `application/json` clients get GraphQL errors with 200 (GraphQL over HTTP's legacy
    // mode); requests that are not GraphQL at all get 4xx.
    const burst: Array<[Promise<Awaited<ReturnType<Harness['query']>>>, number, RegExp]> = [
      [gw.query(key, '{ Patient(id: "p1") { id '), 200, /Syntax Error: Expected Name, found <EOF>/],
      [gw.post(key, '{"query": '), 400, /POST body sent invalid JSON/],
      [gw.post(key, { query: 42 }), 400, /Expected "query" param to be a string/],
      [gw.query(key, '{ Patient(id: "p1") { ssn } }'), 200, /Cannot query field "ssn" on type "Patient"/],
      [gw.query(key, '{ Patient(id: "p1", color: "red") { id } }'), 200, /Unknown argument "color"/],
      [gw.query(key, '{ PatientList(_count: "ten") { id } }'), 200, /Int cannot represent non-integer value/],
      [gw.query(key, 'query Q($n: Int) { PatientList(_count: $n) { id } }', { n: 'ten' }), 200, /_count/],
      [gw.query(key, nested(40)), 200, /depth limit of 15 exceeded/i],
      [gw.query(key, aliases(10_000)), 200, /token limit of 5000 exceeded/i],
      [gw.query(key, '{ PatientList(_count: 1000) { others(_count: 1000) { id } } }'), 200, /budget/],
      [gw.post(key, { query: `{ __typename } # ${'x'.repeat(3_000_000)}` }), 413, /Request body too large/],
      [gw.query(undefined, '{ __typename }'), 401, /API key is required/],
      [gw.query(revoked, '{ __typename }'), 401, /revoked/],
      [
        gw.query('fgw_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '{ __typename }'),
        401,
        /not valid/,
      ],
    ];
    const answers = await Promise.all(burst.map(([p]) => p));
    answers.forEach((res, i) => {
      const [, status, message] = burst[i] as (typeof burst)[number];
      expect({ i, status: res.status }).toEqual({ i, status });
      expect(res.body.data ?? null).toBeNull();
      const text = res.body.errors?.map((e) => e.message).join(' ') ?? res.body.raw ?? '';
      expect(text).toMatch(message);
    });
    expect(gw.calls.count).toBe(before);
    const normal = await gw.query(key, '{ Patient(id: "p1") { id family } }');
    expect(normal).toMatchObject({ status: 200, body: { data: { Patient: { id: 'p1', family: 'A' } } } });
  });
});
