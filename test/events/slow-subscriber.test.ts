import { type GraphQLError, parse, subscribe } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedMessage } from '../../src/events/change-subscription.ts';
import { createRequestContext } from '../../src/graphql/context.ts';
import { gatewaySchema } from '../support/graphql-harness.ts';
import { type SubscriptionGateway, startSubscriptionGateway } from './subscription-harness.ts';

const BUFFER = 50;
let gw: SubscriptionGateway;
beforeAll(async () => {
  gw = await startSubscriptionGateway({ feed: { bufferSize: BUFFER, heartbeatMs: 60_000 } });
  await gw.store.tenants.ensure('clinic-a');
});
afterAll(() => gw?.close());

const idOf = (m: FeedMessage | undefined) => (m?.kind === 'event' ? m.change.id : m?.kind);

describe('a slow subscriber', () => {
  it('never makes another miss events; it is closed with RESYNC and its last cursor, holding at most its buffer', async () => {
    const start = gw.feed.subscribe('clinic-a', { after: null });
    const [fast, slow] = await Promise.all([start, gw.feed.subscribe('clinic-a', { after: null })]);
    // Both go live with the first event.
    const firstFast = fast.next();
    const firstSlow = slow.next();
    await gw.patients('clinic-a', 0, 1);
    expect(idOf((await firstFast).value)).toBe('p0');
    expect(idOf((await firstSlow).value)).toBe('p0');
    expect(gw.tailer.subscribers).toBe(2);

    const fastIds: string[] = [];
    // The fast subscriber reads each batch as it comes; the slow one reads nothing meanwhile.
    for (let i = 1; i <= 500; i += 10) {
      await gw.patients('clinic-a', i, i + 10);
      while (fastIds.length < i + 9) {
        const { value, done } = await fast.next();
        if (done) throw new Error('the fast subscriber was closed');
        if (value.kind === 'event') fastIds.push(value.change.id);
      }
    }
    expect(fastIds).toEqual(Array.from({ length: 500 }, (_, i) => `p${i + 1}`));
    // The slow one overflowed its bounded buffer and was detached from the tailer: nothing more
    // is held for it, however much is committed.
    expect(gw.tailer.subscribers).toBe(1);
    await gw.patients('clinic-a', 501, 800);

    const slowIds: string[] = [];
    let end: FeedMessage | undefined;
    for (;;) {
      const { value, done } = await slow.next();
      if (done) break;
      if (value.kind === 'event') slowIds.push(value.change.id);
      else end = value;
    }
    // What it holds is delivered first (no silent drop), then RESYNC with the cursor of the last.
    expect(slowIds).toEqual(Array.from({ length: BUFFER }, (_, i) => `p${i + 1}`));
    expect(end?.kind).toBe('resync');

    // Resuming from that cursor gives exactly the rest, in order.
    const resumed = await gw.feed.subscribe('clinic-a', {
      after: end?.kind === 'resync' ? end.cursor : null,
    });
    const rest: string[] = [];
    while (rest.length < 800 - 1 - BUFFER) {
      const { value, done } = await resumed.next();
      if (done) throw new Error('the resumed subscription ended');
      if (value.kind === 'event') rest.push(value.change.id);
    }
    expect(rest).toEqual(Array.from({ length: 800 - 1 - BUFFER }, (_, i) => `p${i + 1 + BUFFER}`));
    await Promise.all([fast.return?.(), resumed.return?.()]);
    expect(gw.tailer.subscribers).toBe(0);
  });

  it('reaches a GraphQL client as an error coded RESYNC with the cursor to resume from, then the end', async () => {
    const { definitions, schema } = gatewaySchema();
    const contextValue = {
      ...createRequestContext({
        store: gw.store,
        definitions,
        caller: { tenant: 'clinic-a', scopes: new Set(['subscribe'] as const), keyId: 'test-key' },
      }),
      feed: gw.feed,
    };
    const stream = (await subscribe({
      schema,
      document: parse('subscription { changes { ... on ChangeEvent { id cursor } } }'),
      contextValue,
    })) as AsyncIterableIterator<{
      data?: { changes: { id: string; cursor: string } | null };
      errors?: readonly GraphQLError[];
    }>;
    const first = stream.next();
    await gw.patients('clinic-a', 900, 901);
    expect((await first).value.data?.changes?.id).toBe('p900');
    await gw.patients('clinic-a', 901, 901 + BUFFER + 5);
    // Not reading: once the tailer has handed it more than its buffer, it is detached.
    while (gw.tailer.subscribers > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const results = [];
    for await (const result of stream) results.push(result);
    const last = results.at(-1);
    expect(results).toHaveLength(BUFFER + 1);
    expect(last?.errors?.[0]?.extensions?.code).toBe('RESYNC');
    // The cursor is the last delivered event's: resuming from it loses nothing.
    expect(last?.errors?.[0]?.extensions?.cursor).toBe(results.at(-2)?.data?.changes?.cursor);
  });
});
