import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/connectors/connector.ts';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Store } from '../../src/store/port.ts';
import { connectJane, memoryStore, rowOf, testConnectors } from './helpers.ts';

/** Jane access tokens live 300 s, refresh tokens 1800 s and rotate: a refresh token works once. */
describe('OAuth refresh (Jane): ahead of expiry, one at a time, rotated token stored, revoked → needs_reauth', () => {
  const clock = createManualClock(Date.now());
  let sim: RunningJaneSimulator;
  let store: Store;
  const tokenCalls: string[] = [];
  const spying: typeof fetch = (input, init) => {
    if (String(input) === sim.oauth.tokenUrl)
      tokenCalls.push(String((init?.body as URLSearchParams | undefined)?.get('grant_type')));
    return fetch(input, init);
  };

  beforeAll(async () => {
    sim = await startJaneSimulator({ seed: 3, patients: 5, clock });
    store = memoryStore();
  });
  afterAll(async () => {
    await sim.close();
    await store.close();
  });

  it('refreshes a minute ahead of expiry, once for many concurrent calls, and stores the rotated token', async () => {
    const connection = await connectJane(store, sim, { tenant: 't1', id: 'jane-1', now: clock() });
    const connectors = testConnectors(store, { now: clock, fetch: spying });
    const session = await connectors.jane.open(connection);
    const patients = rowOf(connectors.jane.catalog, 'patients');
    const anId = await firstPatientId(session, patients);

    await session.read(patients, anId);
    expect(tokenCalls).toEqual([]);
    const before = await store.connections.secrets('t1', 'jane-1');

    clock.advance(250_000); // 50 s before expiry: inside the refresh-ahead minute
    await Promise.all(Array.from({ length: 12 }, () => session.read(patients, anId)));
    expect(tokenCalls).toEqual(['refresh_token']);

    const after = await store.connections.secrets('t1', 'jane-1');
    expect(after.refreshToken).toBeTruthy();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    // The old refresh token is spent: only the stored rotated one can continue.
    const replay = await fetch(sim.oauth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: before.refreshToken ?? '',
        client_id: sim.oauth.clientId,
        client_secret: sim.oauth.clientSecret,
      }),
    });
    expect(replay.status).toBe(400);
  });

  it('two processes refreshing the same connection at once both continue (one rotation wins)', async () => {
    const connection = await connectJane(store, sim, { tenant: 't1', id: 'jane-2', now: clock() });
    const a = testConnectors(store, { now: clock, fetch: spying });
    const b = testConnectors(store, { now: clock, fetch: spying });
    const row = rowOf(a.jane.catalog, 'patients');
    const [sa, sb] = [await a.jane.open(connection), await b.jane.open(connection)];
    const id = await firstPatientId(sa, row);
    clock.advance(290_000);
    const results = await Promise.allSettled([sa.read(row, id), sb.read(row, id)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect((await store.connections.get('t1', 'jane-2'))?.config.state).toBe('active');
  });

  it('a revoked refresh token puts the connection in needs_reauth, visibly, and stops asking', async () => {
    const connection = await connectJane(store, sim, { tenant: 't1', id: 'jane-3', now: clock() });
    const connectors = testConnectors(store, { now: clock, fetch: spying });
    const session = await connectors.jane.open(connection);
    const row = rowOf(connectors.jane.catalog, 'patients');
    const id = await firstPatientId(session, row);
    const secrets = await store.connections.secrets('t1', 'jane-3');
    const revoked = await fetch(sim.oauth.revokeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: secrets.refreshToken ?? '',
        client_id: sim.oauth.clientId,
        client_secret: sim.oauth.clientSecret,
      }),
    });
    expect(revoked.status).toBe(200);
    clock.advance(301_000);
    tokenCalls.length = 0;
    const failure = await session.read(row, id).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SourceError);
    expect((failure as SourceError).code).toBe('needs_reauth');
    expect(session.status().state).toBe('needs_reauth');
    const stored = await store.connections.get('t1', 'jane-3');
    expect(stored?.config).toMatchObject({ state: 'needs_reauth', stateReason: 'refresh_rejected' });
    expect(JSON.stringify(stored?.config)).not.toContain(secrets.refreshToken ?? '');

    // No retry storm: later calls, and new sessions, fail fast without asking the token endpoint.
    const calls = tokenCalls.length;
    await expect(session.read(row, id)).rejects.toMatchObject({ code: 'needs_reauth' });
    const reopened = await connectors.jane.open(stored ?? connection);
    await expect(drainFirst(reopened, row)).rejects.toMatchObject({ code: 'needs_reauth' });
    expect(tokenCalls.length).toBe(calls);

    // Reconnecting (consent again) makes it active and working again.
    const renewed = await connectJane(store, sim, { tenant: 't1', id: 'jane-3', now: clock() });
    expect(renewed.config.state).toBe('active');
    const again = await testConnectors(store, { now: clock }).jane.open(renewed);
    expect(await again.read(row, id)).toMatchObject({ id });
  });
});

async function firstPatientId(
  session: Awaited<ReturnType<ReturnType<typeof testConnectors>['jane']['open']>>,
  row: ReturnType<typeof rowOf>,
): Promise<string> {
  for await (const page of session.poll({ row, watermark: undefined })) {
    const first = page.records[0] as { id?: string } | undefined;
    if (first?.id) return first.id;
  }
  throw new Error('no patient');
}

async function drainFirst(
  session: Awaited<ReturnType<ReturnType<typeof testConnectors>['jane']['open']>>,
  row: ReturnType<typeof rowOf>,
) {
  for await (const _page of session.poll({ row, watermark: undefined })) return;
}
