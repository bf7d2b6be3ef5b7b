import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKeyService } from '../../src/auth/api-keys.ts';
import { openMongoStore } from '../../src/store/mongo/open-mongo-store.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { dropTestDatabase, mongoForTests } from '../support/mongo-for-tests.ts';
import { type Received, sseSubscribe, statusCursor } from '../support/subscription-clients.ts';
import { type GatewayProcess, killHard, spawnGateway } from './gateway-process.ts';
import { CHANGES } from './subscription-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'subs-kill-'));
const running: GatewayProcess[] = [];
afterAll(async () => {
  for (const gateway of running)
    if (gateway.child.exitCode === null && gateway.child.signalCode === null) await killHard(gateway);
  rmSync(dir, { recursive: true, force: true });
});

type Message = { __typename: string; id?: string; cursor: string };
const messagesOf = (sub: Received) =>
  sub.results.map((r) => r.data?.changes as Message | undefined).filter((m): m is Message => m !== undefined);

/**
 * A client streams from a gateway process fed by another process's writer on the same store; the
 * gateway is killed with the writer still writing, more is committed while none runs, a new
 * gateway starts, and the client resumes from its last cursor: it must end with every change once,
 * in commit order.
 */
async function killAndResume(env: Record<string, string>, writer: Store, total: number): Promise<void> {
  await writer.tenants.ensure('clinic-k');
  const token = (
    await createApiKeyService({ store: writer }).create({
      tenant: 'clinic-k',
      scopes: ['read', 'subscribe'],
    })
  ).token;
  const first = await spawnGateway(env);
  running.push(first);
  const start = await statusCursor(first.url, token);
  const before = sseSubscribe(first.url, token, CHANGES, { after: start });

  let written = 0;
  const write = async (upTo: number) => {
    for (; written < upTo; written += 10) {
      const batch: Resource[] = [];
      for (let i = written; i < written + 10; i++)
        batch.push({ resourceType: 'Patient', id: `p${i}` } as Resource);
      await writer.resources.putMany('clinic-k', batch);
    }
  };
  // 1. Committed while the client streams; killed once it has some, the writer still writing.
  // (How many of the committed ones reached the client before the kill depends on timing: a
  // wake-up's events go out as one batch. Whatever it got, resuming must give exactly the rest.)
  const writing = write(total / 2);
  const events = (sub: Received) => messagesOf(sub).filter((m) => m.__typename === 'ChangeEvent');
  const some = total / 12;
  while (events(before).length < some) await before.waitFor(before.results.length);
  await killHard(first);
  await before.ended;
  await writing;
  const resumeFrom = messagesOf(before).at(-1)?.cursor;
  expect(events(before).length).toBeGreaterThanOrEqual(some);
  // 2. Committed while no gateway runs.
  await write((total * 3) / 4);

  const second = await spawnGateway(env);
  running.push(second);
  const after = sseSubscribe(second.url, token, CHANGES, { after: resumeFrom });
  // 3. Committed while the client catches up on the restarted gateway.
  await write(total);
  const ids = () =>
    [...messagesOf(before), ...messagesOf(after)]
      .filter((m) => m.__typename === 'ChangeEvent')
      .map((m) => m.id);
  while (ids().length < total) {
    await after.waitFor(after.results.length);
    if (ids().length > total) break;
  }
  after.close();
  await killHard(second);
  expect(ids()).toEqual(Array.from({ length: total }, (_, i) => `p${i}`));
}

describe('the gateway killed (kill -9) and restarted mid-stream', () => {
  it('SQLite: clients resuming by cursor lose nothing and see nothing twice', async () => {
    const env = {
      STORE: 'sqlite',
      SQLITE_PATH: join(dir, 'gateway.db'),
      DATA_DIR: dir,
      // The restarted process must accept the cursors the killed one issued: same key.
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      EVENTS_POLL_MS: '50',
      EVENTS_HEARTBEAT_MS: '500',
    };
    // Another process's writer on the same file (as a second gateway's sync would be): the
    // gateway under test only finds these commits by tailing the shared change log.
    const writer = openSqliteStore(env.SQLITE_PATH, {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32, 1)),
    });
    try {
      await killAndResume(env, writer, 600);
    } finally {
      await writer.close();
    }
  });

  it('MongoDB (FerretDB): the same, on a store the gateway reaches over the network', async () => {
    const server = await mongoForTests();
    const dbName = `gw_kill_${randomBytes(4).toString('hex')}`;
    const writer = await openMongoStore(server.url, {
      dbName,
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32, 1)),
    });
    try {
      // FerretDB commits more slowly: a smaller stream proves the same.
      await killAndResume(
        {
          STORE: 'mongo',
          MONGODB_URL: `${server.url}${dbName}`,
          DATA_DIR: join(dir, 'mongo'),
          DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
          EVENTS_POLL_MS: '50',
          EVENTS_HEARTBEAT_MS: '500',
        },
        writer,
        240,
      );
    } finally {
      await writer.close();
      await dropTestDatabase(server.url, dbName);
      await server.stop();
    }
  }, 120_000);
});
