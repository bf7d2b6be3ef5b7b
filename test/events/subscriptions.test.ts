import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postQuery,
  sseSubscribe,
  statusCursor,
  wsClient,
  wsSubscribe,
} from '../support/subscription-clients.ts';
import {
  CHANGES,
  eventsOf,
  type SubscriptionGateway,
  startSubscriptionGateway,
} from './subscription-harness.ts';

const REPLAY = `query ($after: String, $until: String, $filter: ChangeFilter, $first: Int) {
  changeEvents(after: $after, until: $until, filter: $filter, first: $first) {
    cursor hasMore events { id kind resourceType versionId previousVersionId connection source triggers backfill }
  }
}`;

let gw: SubscriptionGateway;
let key: string;
beforeAll(async () => {
  gw = await startSubscriptionGateway({ feed: { heartbeatMs: 300 } });
  key = await gw.keyFor('clinic-a', ['read', 'subscribe']);
});
afterAll(() => gw?.close());

/** The feed's current high-water mark as clinic-a's cursor: subscribing after it is deterministic. */
async function now(token = key): Promise<string> {
  return statusCursor(gw.url, token);
}

describe('changes subscription over SSE and graphql-ws', () => {
  it('delivers every field of an event, the resource typed through the Resource interface', async () => {
    const after = await now();
    await gw.store.connections.put(
      { tenant: 'clinic-a', id: 'jane-main', source: 'jane', config: {} },
      { token: 'x' },
    );
    const patient = { resourceType: 'Patient', id: 'ev1', active: true } as Resource;
    await gw.store.resources.put('clinic-a', patient, {
      connection: 'jane-main',
      backfill: true,
      triggers: () => ['jane.patient.created'],
    });
    await gw.store.resources.put('clinic-a', { ...patient, active: false } as Resource, {
      connection: 'jane-main',
    });
    await gw.store.resources.delete('clinic-a', 'Patient', 'ev1', { connection: 'jane-main' });
    const query = `subscription ($after: String) { changes(after: $after) { ... on ChangeEvent {
      kind resourceType id versionId previousVersionId connection source triggers backfill
      resource { id resourceType ... on Patient { active } } } } }`;
    const sse = sseSubscribe(gw.url, key, query, { after });
    const client = wsClient(gw.url, key);
    const ws = wsSubscribe(client, query, { after });
    await Promise.all([sse.waitFor(2), ws.waitFor(2)]);
    sse.close();
    ws.close();
    await client.dispose();
    for (const got of [sse.results, ws.results]) {
      expect(got.slice(0, 3).map((r) => r.data?.changes)).toEqual([
        {
          kind: 'created',
          resourceType: 'Patient',
          id: 'ev1',
          versionId: 1,
          previousVersionId: null,
          connection: 'jane-main',
          source: 'jane',
          triggers: ['jane.patient.created'],
          backfill: true,
          resource: { id: 'ev1', resourceType: 'Patient', active: true },
        },
        {
          kind: 'updated',
          resourceType: 'Patient',
          id: 'ev1',
          versionId: 2,
          previousVersionId: 1,
          connection: 'jane-main',
          source: 'jane',
          triggers: [],
          backfill: false,
          resource: { id: 'ev1', resourceType: 'Patient', active: false },
        },
        // A delete carries the version it deleted.
        expect.objectContaining({
          kind: 'deleted',
          versionId: 3,
          previousVersionId: 2,
          resource: expect.objectContaining({ active: false }),
        }),
      ]);
    }
  });

  it('a subscriber that disconnects, misses 1,000 events and resumes with its last cursor gets exactly those 1,000 in order', async () => {
    const start = await now();
    const first = sseSubscribe(gw.url, key, CHANGES, { after: start });
    await gw.patients('clinic-a', 0, 3);
    await first.waitFor(2);
    first.close();
    const last = eventsOf(first.results).at(-1);
    expect(last?.id).toBe('p2');
    await gw.patients('clinic-a', 1000, 2000);
    for (const transport of ['sse', 'ws'] as const) {
      const client = transport === 'ws' ? wsClient(gw.url, key) : undefined;
      const again = client
        ? wsSubscribe(client, CHANGES, { after: last?.cursor })
        : sseSubscribe(gw.url, key, CHANGES, { after: last?.cursor });
      while (eventsOf(again.results).length < 1000) await again.waitFor(again.results.length);
      again.close();
      await client?.dispose();
      const ids = eventsOf(again.results).map((e) => e.id);
      expect(ids.slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => `p${1000 + i}`));
      expect(ids.length).toBe(1000);
    }
  });

  it('has no gap and no duplicate at the seam between catching up and live, with writers racing it', async () => {
    const small = await startSubscriptionGateway({ feed: { pageSize: 7, heartbeatMs: 60_000 } });
    try {
      const token = await small.keyFor('clinic-s', ['read', 'subscribe']);
      await small.patients('clinic-s', 0, 300);
      const from = await statusCursor(small.url, token, 'oldestRetained');
      const sub = sseSubscribe(small.url, token, CHANGES, { after: from });
      // Writes keep landing while the subscriber pages through the backlog 7 at a time.
      for (let i = 300; i < 600; i += 10) await small.patients('clinic-s', i, i + 10);
      while (eventsOf(sub.results).length < 600) await sub.waitFor(sub.results.length);
      await small.patients('clinic-s', 600, 610);
      while (eventsOf(sub.results).length < 610) await sub.waitFor(sub.results.length);
      sub.close();
      const ids = eventsOf(sub.results).map((e) => e.id);
      expect(ids).toEqual(Array.from({ length: 610 }, (_, i) => `p${i}`));
    } finally {
      await small.close();
    }
  });

  it('sends heartbeats whose cursor moves past changes a narrow filter drops', async () => {
    const after = await now();
    const sub = sseSubscribe(gw.url, key, CHANGES, { after, filter: { types: ['Observation'] } });
    await gw.patients('clinic-a', 5000, 5005);
    const target = await now();
    let beat: { cursor: string } | undefined;
    while (!beat) {
      await sub.waitFor(sub.results.length);
      const c = sub.results.at(-1)?.data?.changes as { __typename: string; cursor: string } | undefined;
      if (c?.__typename === 'ChangeHeartbeat' && c.cursor === target) beat = c;
    }
    sub.close();
    expect(eventsOf(sub.results)).toEqual([]);
    // Resuming from the heartbeat's cursor gives nothing old, and what comes next.
    await gw.store.resources.put('clinic-a', {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { text: 'x' },
    } as Resource);
    const page = await postQuery(gw.url, key, REPLAY, { after: beat.cursor });
    const events = ((page.data?.changeEvents ?? {}) as { events: Array<{ id: string }> }).events;
    expect(events.map((e) => e.id)).toEqual(['o1']);
  });

  it('filters by types, kinds, connections, sources, triggers and a FHIRPath criterion', async () => {
    const tenant = 'clinic-f';
    const token = await gw.keyFor(tenant, ['read', 'subscribe']);
    const after = await now(token);
    await gw.store.connections.put({ tenant, id: 'epic.1', source: 'epic', config: {} }, { t: 'x' });
    await gw.store.connections.put({ tenant, id: 'dc~1', source: 'drchrono', config: {} }, { t: 'x' });
    const put = (resource: Record<string, unknown>, connection?: string, triggers: string[] = []) =>
      gw.store.resources.put(tenant, resource as unknown as Resource, {
        ...(connection ? { connection } : {}),
        triggers: () => triggers,
      });
    await put({ resourceType: 'Patient', id: 'a', active: true }, 'epic.1', ['epic.patient.created']);
    await put({ resourceType: 'Patient', id: 'b', active: false }, 'dc~1', [
      'drchrono.patient.new_or_updated',
    ]);
    await put({ resourceType: 'Patient', id: 'a', active: false }, 'epic.1', ['epic.patient.updated']);
    await put({ resourceType: 'Practitioner', id: 'c', active: true });
    await gw.store.resources.delete(tenant, 'Patient', 'b', { connection: 'dc~1' });
    const ids = async (filter: Record<string, unknown>) => {
      const res = await postQuery(gw.url, token, REPLAY, { after, filter });
      expect(res.errors).toBeUndefined();
      return ((res.data?.changeEvents ?? {}) as { events: Array<{ id: string; kind: string }> }).events.map(
        (e) => `${e.id}:${e.kind}`,
      );
    };
    expect(await ids({})).toEqual(['a:created', 'b:created', 'a:updated', 'c:created', 'b:deleted']);
    expect(await ids({ types: ['Practitioner'] })).toEqual(['c:created']);
    expect(await ids({ kinds: ['updated', 'deleted'] })).toEqual(['a:updated', 'b:deleted']);
    expect(await ids({ connections: ['dc~1'] })).toEqual(['b:created', 'b:deleted']);
    expect(await ids({ sources: ['epic'] })).toEqual(['a:created', 'a:updated']);
    expect(await ids({ triggers: ['epic.patient.updated', 'drchrono.patient.new_or_updated'] })).toEqual([
      'b:created',
      'a:updated',
    ]);
    // The criterion sees the version of the change (for the delete: the version deleted).
    expect(await ids({ criteria: 'Patient.active = false' })).toEqual([
      'b:created',
      'a:updated',
      'b:deleted',
    ]);
    expect(await ids({ criteria: 'active = true', types: ['Patient'] })).toEqual(['a:created']);

    // The same criterion live, on a subscription.
    const sub = sseSubscribe(gw.url, token, CHANGES, {
      after,
      filter: { criteria: 'Patient.active = false', kinds: ['created'] },
    });
    await sub.waitFor(0);
    sub.close();
    expect(eventsOf(sub.results).map((e) => e.id)).toEqual(['b']);
  });

  it('replays page by page with first and stops at until', async () => {
    const tenant = 'clinic-r';
    const token = await gw.keyFor(tenant, ['read']);
    const start = await now(token);
    await gw.patients(tenant, 0, 25);
    const all: string[] = [];
    let after = start;
    for (;;) {
      const res = await postQuery(gw.url, token, REPLAY, { after, first: 10 });
      const page = res.data?.changeEvents as {
        cursor: string;
        hasMore: boolean;
        events: Array<{ id: string }>;
      };
      all.push(...page.events.map((e) => e.id));
      after = page.cursor;
      if (!page.hasMore) break;
    }
    expect(all).toEqual(Array.from({ length: 25 }, (_, i) => `p${i}`));
    const head = await postQuery(gw.url, token, REPLAY, { after: start, first: 3 });
    const three = head.data?.changeEvents as { cursor: string };
    const bounded = await postQuery(gw.url, token, REPLAY, { after: start, until: three.cursor, first: 100 });
    const page = bounded.data?.changeEvents as { hasMore: boolean; events: Array<{ id: string }> };
    expect(page.events.map((e) => e.id)).toEqual(['p0', 'p1', 'p2']);
    expect(page.hasMore).toBe(false);
  });
});

describe('tenant isolation', () => {
  it("never delivers another tenant's changes, whatever ids they share", async () => {
    const keyB = await gw.keyFor('clinic-b', ['subscribe', 'read']);
    const afterA = await now();
    const afterB = await now(keyB);
    const subB = sseSubscribe(gw.url, keyB, CHANGES, { after: afterB });
    const client = wsClient(gw.url, keyB);
    const wsB = wsSubscribe(client, CHANGES, { after: afterB });
    await gw.patients('clinic-a', 9000, 9010);
    await gw.patients('clinic-b', 9000, 9002);
    await Promise.all([subB.waitFor(1), wsB.waitFor(1)]);
    await gw.patients('clinic-b', 9002, 9003);
    await Promise.all([subB.waitFor(2), wsB.waitFor(2)]);
    subB.close();
    wsB.close();
    await client.dispose();
    for (const got of [subB.results, wsB.results])
      expect(eventsOf(got).map((e) => e.id)).toEqual(['p9000', 'p9001', 'p9002']);
    const replayB = await postQuery(gw.url, keyB, REPLAY, { after: afterB });
    expect(((replayB.data?.changeEvents ?? {}) as { events: unknown[] }).events).toHaveLength(3);
    // A's cursor is refused for B, and B's for A.
    const foreign = await postQuery(gw.url, keyB, REPLAY, { after: afterA });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('INVALID_CURSOR');
  });
});
