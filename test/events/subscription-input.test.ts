import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventCursors } from '../../src/events/event-cursors.ts';
import {
  postQuery,
  sseSubscribe,
  statusCursor,
  wsClient,
  wsSubscribe,
} from '../support/subscription-clients.ts';
import {
  CHANGES,
  EVENT_CURSOR_KEY,
  eventsOf,
  type SubscriptionGateway,
  startSubscriptionGateway,
} from './subscription-harness.ts';

let gw: SubscriptionGateway;
let key: string;
let cursorA: string;
let cursorB: string;
beforeAll(async () => {
  gw = await startSubscriptionGateway();
  key = await gw.keyFor('clinic-a', ['read', 'subscribe']);
  const keyB = await gw.keyFor('clinic-b', ['read', 'subscribe']);
  await gw.patients('clinic-a', 0, 3);
  cursorA = await statusCursor(gw.url, key);
  cursorB = await statusCursor(gw.url, keyB);
});
afterAll(() => gw?.close());

/** Subscribes over both transports and answers the first result of each. */
async function firstResults(token: string, variables: Record<string, unknown>, query = CHANGES) {
  const sse = sseSubscribe(gw.url, token, query, variables);
  const client = wsClient(gw.url, token);
  const ws = wsSubscribe(client, query, variables);
  await Promise.all([sse.waitFor(0), ws.waitFor(0)]);
  sse.close();
  ws.close();
  await client.dispose();
  return [sse.results[0], ws.results[0]];
}

describe('bad input is refused at subscribe time with a clear error', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      'invalid FHIRPath',
      { filter: { criteria: 'Patient.name.where(' } },
      'INVALID_FILTER',
      /filter\.criteria: not a valid FHIRPath/,
    ],
    [
      'unknown trigger',
      { filter: { triggers: ['jane.patient.exploded'] } },
      'INVALID_FILTER',
      /unknown trigger "jane\.patient\.exploded"/,
    ],
    [
      'unknown resource type',
      { filter: { types: ['Spaceship'] } },
      'INVALID_FILTER',
      /filter\.types: not a resource type/,
    ],
    [
      'unknown source',
      { filter: { sources: ['cerner'] } },
      'INVALID_FILTER',
      /filter\.sources: each must be one of jane, drchrono, epic/,
    ],
    [
      'connection id outside the grammar',
      { filter: { connections: ['a/b'] } },
      'INVALID_FILTER',
      /filter\.connections/,
    ],
    ['empty list', { filter: { types: [] } }, 'INVALID_FILTER', /empty list/],
    ['malformed cursor', { after: 'not-a-cursor' }, 'INVALID_CURSOR', /invalid cursor/],
  ];
  for (const [what, variables, code, message] of cases) {
    it(`${what}: ${code}`, async () => {
      for (const result of await firstResults(key, variables)) {
        expect(result?.errors?.[0]?.extensions?.code).toBe(code);
        expect(result?.errors?.[0]?.message).toMatch(message);
        expect(result?.errors?.[0]?.extensions?.resource).toMatchObject({ resourceType: 'OperationOutcome' });
      }
    });
  }

  it('a mistyped filter names the field and its type, never the value given', async () => {
    const results = await firstResults(key, { filter: { kinds: ['Zebulon Quist 555-0100'] } });
    for (const result of results) {
      expect(result?.errors?.[0]?.message).toMatch(
        /^Variable "\$filter" got an invalid value at "filter\.kinds\[0\]"; the value does not exist in "ChangeKind" enum\./,
      );
      expect(JSON.stringify(result)).not.toContain('Zebulon');
    }
  });

  it("refuses another tenant's cursor (it is not a position in this tenant's feed)", async () => {
    for (const result of await firstResults(key, { after: cursorB })) {
      expect(result?.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
    }
    // The cursor itself is fine for its own tenant.
    await gw.patients('clinic-a', 3, 4);
    const mine = await firstResults(key, { after: cursorA });
    for (const result of mine) expect(eventsOf([result ?? {}]).map((e) => e.id)).toEqual(['p3']);
  });

  it('refuses a key without the subscribe scope (SSE: 403-coded error; WebSocket: same), and a missing key', async () => {
    const readOnly = await gw.keyFor('clinic-a', ['read']);
    for (const result of await firstResults(readOnly, {})) {
      expect(result?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(result?.errors?.[0]?.message).toMatch(/subscribe/);
    }
    const sse = sseSubscribe(gw.url, undefined, CHANGES);
    expect(await sse.status).toBe(401);
    await sse.ended;
    expect(sse.results[0]?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const client = wsClient(gw.url, undefined);
    const ws = wsSubscribe(client, CHANGES);
    const closed = (await ws.error) as { code?: number };
    expect(closed.code).toBe(4403);
    await client.dispose();
  });

  it('answers CURSOR_EXPIRED for a cursor older than retention, never a silent gap', async () => {
    const tenant = 'clinic-x';
    const token = await gw.keyFor(tenant, ['read', 'subscribe']);
    const old = await statusCursor(gw.url, token);
    await gw.patients(tenant, 0, 5);
    expect(await gw.store.changes.prune(new Date(Date.now() + 60_000))).toBeGreaterThan(0);
    for (const result of await firstResults(token, { after: old })) {
      expect(result?.errors?.[0]?.extensions?.code).toBe('CURSOR_EXPIRED');
    }
    const replay = await postQuery(
      gw.url,
      token,
      'query ($a: String) { changeEvents(after: $a) { cursor } }',
      { a: old },
    );
    expect(replay.errors?.[0]?.extensions?.code).toBe('CURSOR_EXPIRED');
    // The oldest retained cursor is still accepted and delivers what is left.
    const oldest = await statusCursor(gw.url, token, 'oldestRetained');
    const sub = sseSubscribe(gw.url, token, CHANGES, { after: oldest });
    await sub.waitFor(0);
    sub.close();
    expect(eventsOf(sub.results).map((e) => e.id)).toEqual(['p4']);
  });

  it('refuses a replay page size out of range', async () => {
    const res = await postQuery(gw.url, key, '{ changeEvents(first: 5000) { cursor } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/first: between 1 and 1000/);
  });
});

describe('a prune that passes a subscriber while it catches up', () => {
  it('ends the stream with CURSOR_EXPIRED after what it had read, never skipping ahead', async () => {
    const small = await startSubscriptionGateway({ feed: { pageSize: 2 } });
    try {
      const start = small.tailer.position();
      await small.patients('clinic-p', 0, 10);
      const hwm = await small.store.changes.highWaterMark();
      while (small.tailer.position() < hwm) await new Promise((resolve) => setTimeout(resolve, 10));
      const cursor = createEventCursors([EVENT_CURSOR_KEY]).encode('clinic-p', start);
      const sub = await small.feed.subscribe('clinic-p', { after: cursor });
      expect(await small.store.changes.prune(new Date(Date.now() + 60_000))).toBeGreaterThan(0);
      const kinds: string[] = [];
      for (;;) {
        const { value, done } = await sub.next();
        if (done) break;
        kinds.push(value.kind === 'event' ? value.change.id : value.kind);
      }
      // The first page was read before the prune; then the gap is reported, not jumped.
      expect(kinds).toEqual(['p0', 'p1', 'expired']);
    } finally {
      await small.close();
    }
  });
});
