import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { createApp } from '../../src/app.ts';
import { createApiKeyService } from '../../src/auth/api-keys.ts';
import type { Scope } from '../../src/auth/scopes.ts';
import { type ChangeFeed, type ChangeFeedDeps, createChangeFeed } from '../../src/events/change-feed.ts';
import { type ChangeTailer, createChangeTailer } from '../../src/events/change-tailer.ts';
import { createEventCursors } from '../../src/events/event-cursors.ts';
import { notifyOnCommit } from '../../src/events/notify-on-commit.ts';
import { ALL_TRIGGERS } from '../../src/events/trigger-catalog.ts';
import type { ChangeFanout } from '../../src/graphql/changes/shared-execution.ts';
import { createLogger } from '../../src/log/create-logger.ts';
import { createGatewayGraphQL } from '../../src/server/gateway-graphql.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { gatewaySchema } from '../support/graphql-harness.ts';

export const EVENT_CURSOR_KEY = Buffer.alloc(32, 9);

export type SubscriptionGateway = {
  readonly url: string;
  /** The store as the process uses it (its writes wake the tailer). */
  readonly store: Store;
  readonly tailer: ChangeTailer;
  readonly feed: ChangeFeed;
  keyFor(tenant: string, scopes: Scope[]): Promise<string>;
  /** Writes patients p<from>…p<to-1> (one change each) in batches. */
  patients(tenant: string, from: number, to: number, extra?: Partial<Resource>): Promise<void>;
  close(): Promise<void>;
};

/**
 * The real gateway GraphQL server (the FHIR schema with the change fields) on a real socket,
 * with a real store, tailer and feed; SSE and graphql-ws on the same node:http server.
 */
export async function startSubscriptionGateway(
  options: {
    openStore?: () => Promise<{ store: Store; cleanup(): Promise<void> }>;
    feed?: Partial<Pick<ChangeFeedDeps, 'heartbeatMs' | 'bufferSize' | 'pageSize' | 'pollMs' | 'syncView'>>;
    pollMs?: number;
    /** The subscription fan-out, to read its counters (one of its own by default). */
    fanout?: ChangeFanout;
  } = {},
): Promise<SubscriptionGateway> {
  const { definitions } = gatewaySchema();
  const opened = await (options.openStore ?? sqliteFileStore)();
  const log = createLogger({ level: 'silent' });
  const tailer = createChangeTailer({ changes: opened.store.changes, log, pollMs: options.pollMs ?? 50 });
  const store = notifyOnCommit(opened.store, tailer.wake);
  const feed = createChangeFeed({
    store,
    tailer,
    cursors: createEventCursors([EVENT_CURSOR_KEY]),
    resourceTypes: definitions.resourceTypes,
    triggers: ALL_TRIGGERS,
    log,
    heartbeatMs: 60_000,
    ...options.feed,
  });
  await tailer.start();
  const keys = createApiKeyService({ store });
  const graphql = createGatewayGraphQL({
    store,
    definitions,
    keys,
    log,
    feed,
    ...(options.fanout ? { fanout: options.fanout } : {}),
  });
  const app = createApp({ store, log, graphql });
  const server: Server = createServer(app.handle);
  server.on('upgrade', app.upgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    url,
    store,
    tailer,
    feed,
    async keyFor(tenant, scopes) {
      await store.tenants.ensure(tenant);
      return (await keys.create({ tenant, scopes })).token;
    },
    async patients(tenant, from, to, extra = {}) {
      await store.tenants.ensure(tenant);
      for (let start = from; start < to; start += 200) {
        const batch: Resource[] = [];
        for (let i = start; i < Math.min(to, start + 200); i++)
          batch.push({ resourceType: 'Patient', id: `p${i}`, active: true, ...extra } as Resource);
        await store.resources.putMany(tenant, batch);
      }
    },
    async close() {
      await app.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await tailer.stop();
      await opened.cleanup();
    },
  };
}

export async function sqliteFileStore(): Promise<{ store: Store; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'subs-'));
  const store = openSqliteStore(join(dir, 'gateway.db'), {
    maxResourceBytes: 1 << 20,
    secretBox: createSecretBox(Buffer.alloc(32, 5)),
  });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The selection every test subscribes with. */
export const CHANGES = `subscription ($after: String, $filter: ChangeFilter) {
  changes(after: $after, filter: $filter) {
    __typename
    ... on ChangeEvent { cursor kind resourceType id versionId previousVersionId connection triggers backfill }
    ... on ChangeHeartbeat { cursor highWaterMark }
  }
}`;

/** The `changes` payloads of a subscription's results that are events. */
export function eventsOf(results: ReadonlyArray<{ data?: Record<string, unknown> | null }>) {
  return results
    .map((r) => r.data?.changes as { __typename: string; id: string; cursor: string } | undefined)
    .filter((c): c is { __typename: string; id: string; cursor: string } => c?.__typename === 'ChangeEvent');
}
