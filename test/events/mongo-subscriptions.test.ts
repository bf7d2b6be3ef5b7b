import { randomUUID } from 'node:crypto';
import type { Resource } from 'fhir/r4';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wakeOnChangeStream } from '../../src/events/mongo-change-stream.ts';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { mongoForTests, type TestMongo } from '../support/mongo-for-tests.ts';
import { sseSubscribe, statusCursor, wsClient, wsSubscribe } from '../support/subscription-clients.ts';
import {
  CHANGES,
  eventsOf,
  type SubscriptionGateway,
  startSubscriptionGateway,
} from './subscription-harness.ts';

let mongo: TestMongo;
let gw: SubscriptionGateway;
let other: Store;
let key: string;
const dbName = `gw_subs_${randomUUID().slice(0, 8)}`;
const open = () =>
  openMongoStore(mongo.url, {
    dbName,
    maxResourceBytes: 1 << 20,
    secretBox: createSecretBox(Buffer.alloc(32, 4)),
  });

beforeAll(async () => {
  mongo = await mongoForTests();
  gw = await startSubscriptionGateway({
    openStore: async () => {
      const store = await open();
      return { store, cleanup: () => store.close() };
    },
    pollMs: 50,
  });
  // A second store on the same database: another process's writes, which only the poll finds.
  other = await open();
  key = await gw.keyFor('clinic-m', ['read', 'subscribe']);
}, 120_000);
afterAll(async () => {
  await other?.close();
  await gw?.close();
  const client = new MongoClient(mongo.url);
  await client
    .db(dbName)
    .dropDatabase()
    .catch(() => {});
  await client.close();
  await mongo?.stop();
});

async function writeOther(from: number, to: number) {
  for (let start = from; start < to; start += 100) {
    const batch: Resource[] = [];
    for (let i = start; i < Math.min(to, start + 100); i++)
      batch.push({ resourceType: 'Patient', id: `p${i}` } as Resource);
    await other.resources.putMany('clinic-m', batch);
  }
}

describe('subscriptions on the MongoDB store (FerretDB here)', () => {
  it("without change streams (FerretDB refuses them) the tailer polls: another process's commits arrive", async () => {
    const logged: string[] = [];
    const client = new MongoClient(mongo.url);
    await client.connect();
    const wake = wakeOnChangeStream(client.db(dbName).collection('changes'), gw.tailer.wake, {
      info: (_obj: unknown, msg?: string) => logged.push(msg ?? ''),
      warn: (_obj: unknown, msg?: string) => logged.push(msg ?? ''),
    } as never);
    try {
      const after = await statusCursor(gw.url, key);
      const sub = sseSubscribe(gw.url, key, CHANGES, { after });
      await writeOther(0, 3);
      await sub.waitFor(2);
      sub.close();
      expect(eventsOf(sub.results).map((e) => e.id)).toEqual(['p0', 'p1', 'p2']);
      expect(logged).toContain('change streams unavailable: the change tailer polls');
    } finally {
      await wake.stop();
      await client.close();
    }
  });

  it('a slow subscriber is closed with RESYNC while another receives everything', async () => {
    const small = await startSubscriptionGateway({
      openStore: async () => {
        const store = await open();
        return { store, cleanup: () => store.close() };
      },
      feed: { bufferSize: 5, heartbeatMs: 60_000 },
      pollMs: 50,
    });
    try {
      const [fast, slow] = await Promise.all([
        small.feed.subscribe('clinic-m', { after: null }),
        small.feed.subscribe('clinic-m', { after: null }),
      ]);
      const firstFast = fast.next();
      const firstSlow = slow.next();
      await writeOther(3000, 3001);
      expect((await firstFast).value?.kind).toBe('event');
      expect((await firstSlow).value?.kind).toBe('event');
      const fastIds: string[] = [];
      for (let i = 3001; i < 3016; i += 5) {
        await writeOther(i, i + 5);
        while (fastIds.length < i + 5 - 3001) {
          const { value, done } = await fast.next();
          if (done) throw new Error('the fast subscriber was closed');
          if (value.kind === 'event') fastIds.push(value.change.id);
        }
      }
      expect(fastIds).toEqual(Array.from({ length: 15 }, (_, i) => `p${3001 + i}`));
      expect(small.tailer.subscribers).toBe(1);
      const slowKinds: string[] = [];
      for (;;) {
        const { value, done } = await slow.next();
        if (done) break;
        slowKinds.push(value.kind);
      }
      expect(slowKinds).toEqual([...Array.from({ length: 5 }, () => 'event'), 'resync']);
      await fast.return?.();
    } finally {
      await small.close();
    }
  }, 120_000);
  it('a subscriber that disconnects, misses 1,000 events and resumes with its last cursor gets exactly those 1,000 in order', async () => {
    const start = await statusCursor(gw.url, key);
    const first = sseSubscribe(gw.url, key, CHANGES, { after: start });
    await writeOther(100, 101);
    await first.waitFor(0);
    first.close();
    const last = eventsOf(first.results).at(-1);
    expect(last?.id).toBe('p100');
    await writeOther(1000, 2000);
    const client = wsClient(gw.url, key);
    const again = wsSubscribe(client, CHANGES, { after: last?.cursor });
    while (eventsOf(again.results).length < 1000) await again.waitFor(again.results.length);
    again.close();
    await client.dispose();
    expect(eventsOf(again.results).map((e) => e.id)).toEqual(
      Array.from({ length: 1000 }, (_, i) => `p${1000 + i}`),
    );
  }, 180_000);
});
