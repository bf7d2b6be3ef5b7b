import type { Resource } from 'fhir/r4';
import { type ExecutionResult, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/auth/scopes.ts';
import { type FrameBatch, isFrameBatch } from '../../src/graphql/changes/frame-batch.ts';
import {
  type ChangeFanout,
  createChangeFanout,
  type MemberItem,
} from '../../src/graphql/changes/shared-execution.ts';
import { createRequestContext } from '../../src/graphql/context.ts';
import { gatewaySchema } from '../support/graphql-harness.ts';
import {
  type Received,
  type SubscriptionResult,
  sseSubscribe,
  wsClient,
  wsSubscribe,
} from '../support/subscription-clients.ts';
import { type SubscriptionGateway, startSubscriptionGateway } from './subscription-harness.ts';

const BUFFER = 50;
const QUERY = `subscription ($filter: ChangeFilter, $after: String) {
  changes(filter: $filter, after: $after) { ... on ChangeEvent { id kind cursor } }
}`;

let gw: SubscriptionGateway;
let fanout: ChangeFanout;
const clients: Array<ReturnType<typeof wsClient>> = [];
beforeAll(async () => {
  fanout = createChangeFanout();
  gw = await startSubscriptionGateway({ fanout, feed: { bufferSize: BUFFER, heartbeatMs: 60_000 } });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await gw?.close();
});

const idsOf = (results: SubscriptionResult[]) =>
  results.map((r) => {
    const change = r.data?.changes as { id: string; kind: string } | undefined;
    return change ? `${change.id}:${change.kind}` : `error:${r.errors?.[0]?.message}`;
  });
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};
/** Opens subscriptions over both transports and waits until each is live on the tailer. */
async function open(token: string, variables: Record<string, unknown>, count: number): Promise<Received[]> {
  const before = gw.tailer.subscribers;
  const subs: Received[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) subs.push(sseSubscribe(gw.url, token, QUERY, variables));
    else {
      const client = wsClient(gw.url, token);
      clients.push(client);
      subs.push(wsSubscribe(client, QUERY, variables));
    }
  }
  await until(() => gw.tailer.subscribers === before + count);
  return subs;
}
const put = (tenant: string, id: string, active: boolean) =>
  gw.store.resources.put(tenant, { resourceType: 'Patient', id, active } as Resource);

describe('subscription fan-out shared across identical subscriptions', () => {
  it('executes each event once for a group of identical subscriptions, over SSE and WebSocket alike', async () => {
    const tokenA = await gw.keyFor('clinic-a', ['subscribe']);
    const tokenB = await gw.keyFor('clinic-b', ['subscribe']);
    const tokenWider = await gw.keyFor('clinic-a', ['subscribe', 'read']);
    const executed = fanout.stats().eventExecutions;
    const group = await open(tokenA, {}, 6);
    // Same document and variables, another tenant or another scope set: groups of their own.
    const [otherTenant] = await open(tokenB, {}, 1);
    const [otherScopes] = await open(tokenWider, {}, 1);
    expect(fanout.stats().groups).toBe(3);
    expect(fanout.stats().members).toBe(8);

    await gw.store.resources.putMany(
      'clinic-a',
      ['p0', 'p1', 'p2'].map((id) => ({ resourceType: 'Patient', id }) as Resource),
    );
    await put('clinic-a', 'p3', true);
    await put('clinic-b', 'p0', true);
    for (const sub of [...group, otherScopes] as Received[]) await sub.waitFor(3);
    await otherTenant?.waitFor(0);
    for (const sub of [...group, otherScopes] as Received[])
      expect(idsOf(sub.results)).toEqual(['p0:created', 'p1:created', 'p2:created', 'p3:created']);
    expect(idsOf(otherTenant?.results ?? [])).toEqual(['p0:created']);
    // Once per event per group (4 + 4 + 1), not once per subscriber (6 × 4 + 4 + 1 = 29).
    expect(fanout.stats().eventExecutions - executed).toBe(9);
    // Every member of a group got the same cursors (per event, not per subscriber).
    const cursors = (sub: Received | undefined) =>
      sub?.results.map((r) => (r.data?.changes as { cursor?: string } | undefined)?.cursor);
    for (const sub of group) expect(cursors(sub)).toEqual(cursors(group[0]));

    for (const sub of [...group, otherTenant, otherScopes]) sub?.close();
    await until(() => fanout.stats().members === 0);
    expect(fanout.stats().groups).toBe(0);
  });

  it('gives mixed groups with different filters exactly their events, in order', async () => {
    const tenant = 'clinic-m';
    const token = await gw.keyFor(tenant, ['subscribe']);
    const executed = fanout.stats().eventExecutions;
    const all = await open(token, {}, 2);
    const active = await open(token, { filter: { criteria: 'active = true' } }, 2);
    const updates = await open(token, { filter: { kinds: ['updated'] } }, 3);
    await put(tenant, 'm0', true);
    await put(tenant, 'm1', false);
    await put(tenant, 'm2', true);
    await put(tenant, 'm1', true);
    await put(tenant, 'm0', false);
    for (const sub of all) await sub.waitFor(4);
    for (const sub of active) await sub.waitFor(2);
    for (const sub of updates) await sub.waitFor(1);
    for (const sub of all)
      expect(idsOf(sub.results)).toEqual([
        'm0:created',
        'm1:created',
        'm2:created',
        'm1:updated',
        'm0:updated',
      ]);
    for (const sub of active) expect(idsOf(sub.results)).toEqual(['m0:created', 'm2:created', 'm1:updated']);
    for (const sub of updates) expect(idsOf(sub.results)).toEqual(['m1:updated', 'm0:updated']);
    // 5 + 3 + 2 executions for 7 subscribers, not 2 × 5 + 2 × 3 + 3 × 2.
    expect(fanout.stats().eventExecutions - executed).toBe(10);
    for (const sub of [...all, ...active, ...updates]) sub.close();
    await until(() => fanout.stats().members === 0);
  });

  it('keeps members resuming from different cursors (as after a RESYNC) in one group', async () => {
    const tenant = 'clinic-r';
    const token = await gw.keyFor(tenant, ['subscribe']);
    const [live] = await open(token, {}, 1);
    await put(tenant, 'r0', true);
    await put(tenant, 'r1', true);
    await live?.waitFor(1);
    const cursorOf = (i: number) =>
      (live?.results[i]?.data?.changes as { cursor?: string } | undefined)?.cursor;
    const executed = fanout.stats().eventExecutions;
    const fromR0 = await open(token, { after: cursorOf(0) }, 2);
    const [fromR1] = await open(token, { after: cursorOf(1) }, 1);
    await put(tenant, 'r2', true);
    for (const sub of [...fromR0, fromR1]) await sub?.waitFor(0);
    for (const sub of fromR0) await sub.waitFor(1);
    await live?.waitFor(2);
    for (const sub of fromR0) expect(idsOf(sub.results)).toEqual(['r1:created', 'r2:created']);
    expect(idsOf(fromR1?.results ?? [])).toEqual(['r2:created']);
    expect(idsOf(live?.results ?? [])).toEqual(['r0:created', 'r1:created', 'r2:created']);
    // r1 was executed for the live member already: the two catching up from r0 find it; r2 is
    // executed once for all four.
    expect(fanout.stats().eventExecutions - executed).toBe(1);
    expect(fanout.stats().groups).toBe(1);
    for (const sub of [live, ...fromR0, fromR1]) sub?.close();
    await until(() => fanout.stats().members === 0);
  });
});

describe('a group member on its own stream', () => {
  const { definitions, schema } = gatewaySchema();
  const argsFor = (tenant: string, scopes: Scope[] = ['subscribe']) => ({
    schema,
    document: parse(QUERY),
    contextValue: {
      ...createRequestContext({
        store: gw.store,
        definitions,
        caller: { tenant, scopes: new Set(scopes), keyId: 'test-key' },
      }),
      feed: gw.feed,
    },
  });
  const member = async (tenant: string) => {
    const stream = await fanout.subscribe(argsFor(tenant));
    if (!(Symbol.asyncIterator in stream)) throw new Error(`not a stream: ${JSON.stringify(stream)}`);
    return stream;
  };
  const framesOf = (item: MemberItem | undefined): string[] =>
    isFrameBatch(item)
      ? item.frames.map((f) => (JSON.parse(f.json) as { data: { changes: { id: string } } }).data.changes.id)
      : [`result:${(item as ExecutionResult | undefined)?.errors?.[0]?.extensions?.code}`];

  it("gets one wake-up's events as one batch, serialized once for the whole group", async () => {
    const tenant = 'clinic-w';
    await gw.store.tenants.ensure(tenant);
    const [a, b] = [await member(tenant), await member(tenant)];
    const [firstA, firstB] = [a.next(), b.next()];
    await gw.patients(tenant, 0, 20);
    const [batchA, batchB] = [(await firstA).value, (await firstB).value];
    expect(framesOf(batchA)).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`));
    // The very same frames: serialized once, written to both.
    expect((batchB as FrameBatch).frames.every((f, i) => f === (batchA as FrameBatch).frames[i])).toBe(true);
    await Promise.all([a.return?.(), b.return?.()]);
  });

  it('never holds up the others when one stops pulling: it alone is closed with RESYNC, after what it holds', async () => {
    const tenant = 'clinic-s';
    await gw.store.tenants.ensure(tenant);
    const [fast, slow] = [await member(tenant), await member(tenant)];
    const executed = fanout.stats().eventExecutions;
    const firstSlow = slow.next();
    const fastIds: string[] = [];
    for (let i = 0; i < 200; i += 10) {
      const pulled = fast.next();
      await gw.patients(tenant, i, i + 10);
      fastIds.push(...framesOf((await pulled).value));
    }
    expect(fastIds).toEqual(Array.from({ length: 200 }, (_, i) => `p${i}`));
    // The slow member pulled once (its first wake-up) and nothing since: past its buffer it was detached.
    const slowIds = framesOf((await firstSlow).value);
    for (;;) {
      const { value, done } = await slow.next();
      if (done) break;
      slowIds.push(...framesOf(value));
    }
    expect(slowIds.at(-1)).toBe('result:RESYNC');
    const delivered = slowIds.slice(0, -1);
    expect(delivered).toEqual(Array.from({ length: delivered.length }, (_, i) => `p${i}`));
    expect(delivered.length).toBeGreaterThan(BUFFER);
    expect(delivered.length).toBeLessThanOrEqual(BUFFER + 10);
    // What the slow member got late was still executed once for the group, not again for it.
    expect(fanout.stats().eventExecutions - executed).toBe(200);
    await fast.return?.();
  });
});
