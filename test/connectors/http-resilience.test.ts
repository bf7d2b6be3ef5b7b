import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../src/connectors/common/circuit-breaker.ts';
import { createHttpClient } from '../../src/connectors/common/http-client.ts';
import { createRequestBudget } from '../../src/connectors/common/request-budget.ts';
import { SourceError } from '../../src/connectors/connector.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Store } from '../../src/store/port.ts';
import { connectDrChrono, connectJane, drain, memoryStore, rowOf, testConnectors } from './helpers.ts';

const noFaults = {
  rateLimited: 0,
  rateLimitedWithoutRetryAfter: 0,
  serverError: 0,
  timeout: 0,
  droppedConnection: 0,
  malformedRecord: 0,
  expiredToken: 0,
};

describe('HTTP client against faulty simulators: 429 with and without hints, 5xx, breaker, budget', () => {
  let drchrono: RunningDrChronoSimulator;
  let jane: RunningJaneSimulator;
  let store: Store;
  // One registry, as in one gateway process: DrChrono's limits are per app, across connections.
  let connectors: ReturnType<typeof testConnectors>;

  beforeAll(async () => {
    drchrono = await startDrChronoSimulator({ seed: 21, patients: 30 });
    jane = await startJaneSimulator({ seed: 22, patients: 30 });
    store = memoryStore();
    connectors = testConnectors(store);
  });
  afterEach(() => {
    drchrono.faults.update(noFaults);
    jane.faults.update(noFaults);
  });
  afterAll(async () => {
    await drchrono.close();
    await jane.close();
    await store.close();
  });

  it("waits out DrChrono's 429 body hint and the 5xx answers, losing no record", async () => {
    const connection = await connectDrChrono(store, drchrono, { tenant: 't1', id: 'd-faults' });
    const session = await connectors.drchrono.open(connection);
    const row = rowOf(connectors.drchrono.catalog, 'patients');
    const clean = (await drain(session, row)).records.slice(0, 8);
    const ids = clean.map((r) => String((r as { id: unknown }).id));
    drchrono.counters.reset();
    drchrono.faults.update({ rateLimited: 0.3, serverError: 0.2 });
    const faulty = [];
    for (const id of ids) faulty.push(await session.read(row, id));
    expect(faulty).toEqual(clean);
    const snapshot = drchrono.counters.snapshot()['GET /api/patients/:id'] ?? {};
    expect(snapshot['429'] ?? 0).toBeGreaterThan(0);
    expect(Object.entries(snapshot).some(([status, n]) => status.startsWith('5') && n > 0)).toBe(true);
  });

  it('backs off with full jitter on a 429 without any hint, and surfaces a long Retry-After instead of blocking', async () => {
    const connection = await connectJane(store, jane, { tenant: 't1', id: 'j-faults' });
    const session = await connectors.jane.open(connection);
    const row = rowOf(connectors.jane.catalog, 'patients');
    jane.faults.update({ rateLimited: 0.4, rateLimitedWithoutRetryAfter: 1 });
    const hintless = await drain(session, row);
    expect(hintless.records).toHaveLength(30);

    // Jane's Retry-After is 60 s: beyond what a poll may block (5 s in tests), it fails as rate_limited.
    jane.faults.update({ rateLimited: 1, rateLimitedWithoutRetryAfter: 0 });
    const error = await drain(session, row).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 60_000 });
    expect(session.status().state).toBe('backing_off');
  });

  it('opens the circuit after repeated failures and fails fast without sending', async () => {
    const connection = await connectDrChrono(store, drchrono, { tenant: 't1', id: 'd-breaker' });
    const session = await connectors.drchrono.open(connection);
    const row = rowOf(connectors.drchrono.catalog, 'patients');
    drchrono.faults.update({ serverError: 1 });
    await expect(drain(session, row)).rejects.toMatchObject({ code: 'unavailable', status: 500 });
    expect(session.status().state).toBe('circuit_open');
    drchrono.counters.reset();
    await expect(drain(session, row)).rejects.toMatchObject({ code: 'unavailable' });
    expect(drchrono.counters.total()).toBe(0);
    expect(session.status().lastError?.message).toMatch(/circuit open/);
  });

  it('never exceeds DrChrono 10/s, even for many concurrent requests (simulator counters: no 429)', async () => {
    const connection = await connectDrChrono(store, drchrono, { tenant: 't1', id: 'd-burst' });
    const session = await connectors.drchrono.open(connection);
    const row = rowOf(connectors.drchrono.catalog, 'patients');
    const ids = (await drain(session, row)).records
      .slice(0, 25)
      .map((r) => String((r as { id: unknown }).id));
    drchrono.counters.reset();
    const records = await Promise.all(ids.map((id) => session.read(row, id)));
    expect(records.every((r) => r !== undefined)).toBe(true);
    expect(drchrono.counters.total((_route, status) => status === 429)).toBe(0);
    expect(drchrono.counters.total()).toBe(25);
  });
});

describe('HTTP client: bad bodies become clear, PHI-free SourceErrors', () => {
  let server: Server;
  let base: string;
  const PHI = 'Jane Q. Doe, born 1970-01-01';
  const bodies: Record<string, { type: string; body: string }> = {
    '/html': { type: 'text/html', body: `<html><body>Error for ${PHI}</body></html>` },
    '/truncated': { type: 'application/json', body: `{"items":[{"name":"${PHI}"` },
    '/envelope': {
      type: 'application/json',
      body: JSON.stringify({ errors: [{ id: 'DUPLICATE_RECORD', message: PHI }] }),
    },
    '/envelope-free-text': { type: 'application/json', body: JSON.stringify({ object: 'error', code: PHI }) },
    '/reject': { type: 'application/json', body: JSON.stringify({ errors: [{ id: 'X', message: PHI }] }) },
  };
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      const path = req.url ?? '';
      const answer = bodies[path];
      res.writeHead(path === '/reject' ? 422 : 200, { 'content-type': answer?.type ?? 'text/plain' });
      res.end(answer?.body ?? '');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
  });

  const client = () =>
    createHttpClient({
      source: 'jane',
      fetch,
      now: Date.now,
      random: () => 0.5,
      budget: createRequestBudget([], Date.now),
      breaker: createCircuitBreaker({ threshold: 100, cooldownMs: 1000, now: Date.now }),
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      errorEnvelope: (b) => {
        const body = b as { errors?: { id?: string }[]; object?: string; code?: string };
        if (body.object === 'error') return body.code ?? 'error';
        return body.errors?.[0]?.id;
      },
    });

  it.each([
    ['/html', /HTML page instead of JSON/],
    ['/truncated', /truncated or malformed JSON/],
    ['/envelope', /error envelope \(DUPLICATE_RECORD\)/],
    ['/envelope-free-text', /error envelope \(unspecified\)/],
  ])('%s → bad_response, retried once, no PHI in the message', async (path, pattern) => {
    hits = 0;
    const error = await client()
      .send({ method: 'GET', url: `${base}${path}`, endpoint: 'GET /patients' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'bad_response', status: 200 });
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).toContain('GET /patients');
    expect((error as Error).message).not.toContain('Doe');
    expect(hits).toBe(2);
  });

  it('a 4xx is rejected at once (no retry), naming only status and endpoint', async () => {
    hits = 0;
    const error = await client()
      .send({ method: 'GET', url: `${base}/reject`, endpoint: 'GET /patients' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'rejected', status: 422 });
    expect((error as Error).message).not.toContain('Doe');
    expect(hits).toBe(1);
  });
});
