import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKeyService } from '../../src/auth/api-keys.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
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

describe('the gateway killed (kill -9) and restarted mid-stream', () => {
  it('clients resuming by cursor lose nothing and see nothing twice', async () => {
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
    await writer.tenants.ensure('clinic-k');
    const token = (
      await createApiKeyService({ store: writer }).create({
        tenant: 'clinic-k',
        scopes: ['read', 'subscribe'],
      })
    ).token;
    const TOTAL = 600;
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
    const writing = write(300);
    const events = (sub: Received) => messagesOf(sub).filter((m) => m.__typename === 'ChangeEvent');
    while (events(before).length < 50) await before.waitFor(before.results.length);
    await killHard(first);
    await before.ended;
    await writing;
    const resumeFrom = messagesOf(before).at(-1)?.cursor;
    expect(events(before).length).toBeGreaterThanOrEqual(50);
    // 2. Committed while no gateway runs.
    await write(450);

    const second = await spawnGateway(env);
    running.push(second);
    const after = sseSubscribe(second.url, token, CHANGES, { after: resumeFrom });
    // 3. Committed while the client catches up on the restarted gateway.
    await write(TOTAL);
    const ids = () =>
      [...messagesOf(before), ...messagesOf(after)]
        .filter((m) => m.__typename === 'ChangeEvent')
        .map((m) => m.id);
    while (ids().length < TOTAL) {
      await after.waitFor(after.results.length);
      if (ids().length > TOTAL) break;
    }
    after.close();
    await killHard(second);
    await writer.close();
    expect(ids()).toEqual(Array.from({ length: TOTAL }, (_, i) => `p${i}`));
  });
});
