import { describe, expect, it } from 'vitest';
import type { Connector } from '../../src/connectors/connector.ts';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import { startDrChronoSimulator } from '../../src/simulators/drchrono/index.ts';
import { startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Store } from '../../src/store/port.ts';
import { createOperationsView } from '../../src/sync/operations-view.ts';
import { createSyncEngine } from '../../src/sync/sync-engine.ts';
import { connectDrChrono, connectJane, memoryStore } from '../connectors/helpers.ts';
import { connectEpic, projectMappings, realConnectors, serveJwks, silentLog } from './real-sources.ts';

/** Every current resource of the connection's types, as `type/id hash`. */
async function snapshot(
  store: Store,
  tenant: string,
  connectors: Connector[],
  source: string,
): Promise<string[]> {
  const types = new Set(
    connectors.find((c) => c.source === source)?.catalog.flatMap((row) => row.fhirTypes) ?? [],
  );
  const out: string[] = [];
  for (const type of types) {
    let after: string | undefined;
    do {
      const page = await store.resources.list(tenant, type, { limit: 1_000, ...(after ? { after } : {}) });
      for (const item of page.items) out.push(`${item.type}/${item.id} ${item.hash}`);
      after = page.next;
    } while (after);
  }
  return out.sort();
}

describe('sync against faulty sources', () => {
  it('completes with nothing lost when 20 % of DrChrono answers are faults, refreshing expired tokens, within the budget', async () => {
    const sim = await startDrChronoSimulator({ seed: 21, patients: 6 });
    const sent: number[] = [];
    let refreshes = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).startsWith(`${sim.url}/api/`)) sent.push(Date.now());
      if (String(input).startsWith(`${sim.url}/o/token`)) refreshes++;
      return fetch(input, init);
    };
    const faulty = memoryStore();
    const control = memoryStore();
    try {
      const connection = await connectDrChrono(faulty, sim, { tenant: 't1', id: 'dc-faulty' });
      await connectDrChrono(control, sim, { tenant: 't1', id: 'dc-faulty' });
      const connectors = realConnectors(faulty, { fetch: counting });
      const engine = createSyncEngine({
        store: faulty,
        mappings: projectMappings(),
        log: silentLog,
        holder: 'p1',
        connectors,
      });
      sim.counters.reset();
      // 20 % in all: 429 with and without Retry-After, 5xx, hung then closed, dropped, expired token.
      sim.faults.update({
        rateLimited: 0.05,
        rateLimitedWithoutRetryAfter: 0.5,
        serverError: 0.05,
        timeout: 0.03,
        timeoutMs: 200,
        droppedConnection: 0.04,
        expiredToken: 0.03,
      });
      const outcomes: string[] = [];
      for (let run = 0; run < 8 && outcomes.at(-1) !== 'completed'; run++) {
        outcomes.push((await engine.runOnce('t1', 'dc-faulty')).outcome);
      }
      await engine.stop();
      expect(outcomes.at(-1)).toBe('completed');
      const faults = sim.counters.total((_route, status) => status >= 400);
      expect(faults).toBeGreaterThan(0);
      // The access token expired mid-sync and was refreshed (the exchange at connect is not counted).
      expect(refreshes).toBeGreaterThan(0);
      sim.faults.update({
        rateLimited: 0,
        serverError: 0,
        timeout: 0,
        droppedConnection: 0,
        expiredToken: 0,
      });

      // A fault-free sync of the same practice into another store gives exactly the same resources.
      const clean = createSyncEngine({
        store: control,
        mappings: projectMappings(),
        log: silentLog,
        holder: 'p1',
        connectors: realConnectors(control),
      });
      expect((await clean.runOnce('t1', connection.id)).outcome).toBe('completed');
      await clean.stop();
      const expected = await snapshot(control, 't1', connectors, 'drchrono');
      expect(expected.length).toBeGreaterThan(50);
      expect(await snapshot(faulty, 't1', connectors, 'drchrono')).toEqual(expected);

      // DrChrono's budget held: never more than 10 requests in any second, 500 in the hour.
      expect(sent.length).toBeLessThanOrEqual(500);
      for (let i = 10; i < sent.length; i++)
        expect((sent[i] as number) - (sent[i - 10] as number)).toBeGreaterThanOrEqual(1000);
    } finally {
      await sim.close();
      await faulty.close();
      await control.close();
    }
  }, 120_000);

  it('puts a connection whose refresh token was revoked in needs_reauth, visibly, without asking again', async () => {
    const clock = createManualClock(Date.now());
    const sim = await startJaneSimulator({ seed: 22, patients: 3, clock });
    const store = memoryStore();
    const tokenCalls: string[] = [];
    const spying: typeof fetch = (input, init) => {
      if (String(input) === sim.oauth.tokenUrl) tokenCalls.push('token');
      return fetch(input, init);
    };
    try {
      const connection = await connectJane(store, sim, { tenant: 't1', id: 'jane-1', now: clock() });
      const connectors = realConnectors(store, { now: clock, fetch: spying });
      const engine = createSyncEngine({
        store,
        mappings: projectMappings(),
        log: silentLog,
        holder: 'p1',
        connectors,
      });
      const view = createOperationsView({ store, engine, connectors });
      expect((await engine.runOnce('t1', 'jane-1')).outcome).toBe('completed');

      const secrets = await store.connections.secrets('t1', connection.id);
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
      clock.advance(301_000); // the access token has expired: the next request must refresh
      expect((await engine.runOnce('t1', 'jane-1')).outcome).toBe('needs_reauth');
      expect((await view.connection('t1', 'jane-1'))?.state).toBe('needs_reauth');

      const calls = tokenCalls.length;
      expect((await engine.runOnce('t1', 'jane-1')).outcome).toBe('needs_reauth');
      expect(tokenCalls.length).toBe(calls);
      await engine.stop();
    } finally {
      await sim.close();
      await store.close();
    }
  }, 60_000);

  it('stores an Epic connection whose client assertion is refused for good as needs_reauth: visible, kept across a restart, no retry storm', async () => {
    const sim = await startEpicSimulator({ seed: 23, patients: 2, bulkPollsBeforeComplete: 0 });
    const store = memoryStore();
    const jwks = await serveJwks(store);
    const tokenCalls: string[] = [];
    let refuseOnce = false;
    const spying: typeof fetch = async (input, init) => {
      if (String(input) === sim.tokenUrl) {
        tokenCalls.push('token');
        if (refuseOnce) {
          // What Epic answers when it could not fetch the JWKS this time (a timeout on its side).
          refuseOnce = false;
          return Response.json({ error: 'invalid_client' }, { status: 400 });
        }
      }
      return fetch(input, init);
    };
    // Each "process" has its own connectors (token cache, sessions) and engine over one store.
    const start = () => {
      const connectors = realConnectors(store, { fetch: spying });
      const engine = createSyncEngine({
        store,
        mappings: projectMappings(),
        log: silentLog,
        holder: 'p1',
        connectors,
      });
      return { engine, view: createOperationsView({ store, engine, connectors }) };
    };
    try {
      const connection = await connectEpic(store, sim, jwks.url, { tenant: 't1', id: 'epic-1' });
      const first = start();
      expect((await first.engine.runOnce('t1', 'epic-1')).outcome).toBe('completed');
      await first.engine.stop();

      // One refusal is not "for good": the assertion is sent again (fresh) and the sync goes on.
      refuseOnce = true;
      const before = tokenCalls.length;
      const blip = start();
      expect((await blip.engine.runOnce('t1', 'epic-1')).outcome).toBe('completed');
      expect(tokenCalls.length - before).toBe(2);
      expect((await store.connections.get('t1', 'epic-1'))?.config.state).toBe('active');
      await blip.engine.stop();

      // The Epic admin revokes the app: its assertions now get invalid_client.
      expect(sim.unregisterClient('gw-t1')).toBe(true);
      sim.expireAllTokens();
      const second = start();
      expect((await second.engine.runOnce('t1', 'epic-1')).outcome).toBe('needs_reauth');
      const stored = await store.connections.get('t1', 'epic-1');
      expect(stored?.config).toMatchObject({ state: 'needs_reauth', stateReason: 'assertion_rejected' });
      expect((await second.view.connection('t1', 'epic-1'))?.state).toBe('needs_reauth');
      const asked = tokenCalls.length;
      expect((await second.engine.runOnce('t1', 'epic-1')).outcome).toBe('needs_reauth');
      await second.engine.stop();

      // After a restart: still needs_reauth, visible before any run, and not one more assertion sent.
      const third = start();
      expect((await third.view.connection('t1', 'epic-1'))?.state).toBe('needs_reauth');
      expect((await third.engine.runOnce('t1', 'epic-1')).outcome).toBe('needs_reauth');
      expect(tokenCalls.length).toBe(asked);
      await third.engine.stop();

      // Registered again and reconnected: the sync goes on.
      await connectEpic(store, sim, jwks.url, { tenant: connection.tenant, id: connection.id });
      const fourth = start();
      expect((await fourth.engine.runOnce('t1', 'epic-1')).outcome).toBe('completed');
      expect((await fourth.view.connection('t1', 'epic-1'))?.state).not.toBe('needs_reauth');
      await fourth.engine.stop();
    } finally {
      await sim.close();
      await jwks.close();
      await store.close();
    }
  }, 60_000);
});
