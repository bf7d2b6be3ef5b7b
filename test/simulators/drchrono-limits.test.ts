import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import { looseFetch as fetch } from './drchrono-helpers.ts';

let sim: RunningDrChronoSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const getPatients = (s: RunningDrChronoSimulator, token: string) =>
  fetch(`${s.url}/api/patients?page_size=1`, { headers: { authorization: `Bearer ${token}` } });

describe('DrChrono rate limits', () => {
  it('throttles the 11th request within a second: 429, no Retry-After, "Expected available in X seconds"', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1, 10, 0, 0));
    sim = await startDrChronoSimulator({ patients: 5, clock });
    const { accessToken } = sim.issueAccessToken();
    for (let i = 0; i < 10; i++) expect((await getPatients(sim, accessToken)).status).toBe(200);
    const throttled = await getPatients(sim, accessToken);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBeNull();
    expect(await throttled.json()).toEqual({
      detail: 'Request was throttled. Expected available in 1 seconds.',
    });
    clock.advance(1001);
    expect((await getPatients(sim, accessToken)).status).toBe(200);
  });

  it('allows 500 requests per clock hour per app and resets at the top of the hour', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1, 10, 0, 0));
    sim = await startDrChronoSimulator({ patients: 5, clock });
    const { accessToken } = sim.issueAccessToken();
    for (let i = 0; i < 500; i++) {
      clock.advance(200); // 5/s stays under the burst throttle
      expect((await getPatients(sim, accessToken)).status).toBe(200);
    }
    clock.advance(200);
    const over = await getPatients(sim, accessToken);
    expect(over.status).toBe(429);
    // 100 s into the hour: 3500 s left until 11:00.
    expect(await over.json()).toEqual({
      detail: 'Request was throttled. Expected available in 3500 seconds.',
    });
    // Another token of the same app shares the budget.
    expect((await getPatients(sim, sim.issueAccessToken().accessToken)).status).toBe(429);
    clock.advance(3_500_000);
    expect((await getPatients(sim, accessToken)).status).toBe(200);
  });

  it('serves without limits when rateLimits is false', async () => {
    sim = await startDrChronoSimulator({ patients: 5, rateLimits: false });
    const { accessToken } = sim.issueAccessToken();
    const statuses = await Promise.all(
      Array.from({ length: 30 }, () =>
        getPatients(sim as RunningDrChronoSimulator, accessToken).then((r) => r.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('DrChrono fault injection', () => {
  it('injects 429s in DrChrono’s shape and 500s', async () => {
    sim = await startDrChronoSimulator({ patients: 5, rateLimits: false, faults: { rateLimited: 1 } });
    const { accessToken } = sim.issueAccessToken();
    const limited = await getPatients(sim, accessToken);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect((await limited.json()).detail).toMatch(
      /^Request was throttled\. Expected available in \d+ seconds\.$/,
    );
    sim.faults.update({ rateLimited: 0, serverError: 1 });
    const failed = await getPatients(sim, accessToken);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ detail: 'A server error occurred.' });
    expect(sim.counters.snapshot()['GET /api/patients']).toEqual({ '429': 1, '500': 1 });
  });

  it('expires the token on an injected expiry (401) while its refresh token keeps working', async () => {
    sim = await startDrChronoSimulator({ patients: 5, rateLimits: false, faults: { expiredToken: 1 } });
    const { accessToken, refreshToken } = sim.issueAccessToken();
    const res = await getPatients(sim, accessToken);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    sim.faults.update({ expiredToken: 0 });
    expect((await getPatients(sim, accessToken)).status).toBe(401);
    const refreshed = await fetch(`${sim.url}/o/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: sim.client.clientId,
        client_secret: sim.client.clientSecret,
      }).toString(),
    });
    const token = await refreshed.json();
    expect((await getPatients(sim, token.access_token)).status).toBe(200);
  });

  it('corrupts one record of a list page on an injected malformed record, keeping its id', async () => {
    sim = await startDrChronoSimulator({ patients: 20, rateLimits: false, faults: { malformedRecord: 1 } });
    const { accessToken } = sim.issueAccessToken();
    const body = await (
      await fetch(`${sim.url}/api/patients?page_size=5`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).json();
    const broken = body.results.filter(
      (r: { updated_at: string }) =>
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(r.updated_at) || r.updated_at.startsWith('0000'),
    );
    expect(broken).toHaveLength(1);
    expect(typeof broken[0].id).toBe('number');
    expect(broken[0].doctor).toBe('NaN');
  });

  it('drops connections and times out when told to', async () => {
    sim = await startDrChronoSimulator({ patients: 5, rateLimits: false, faults: { droppedConnection: 1 } });
    const { accessToken } = sim.issueAccessToken();
    await expect(getPatients(sim, accessToken)).rejects.toThrow();
    sim.faults.update({ droppedConnection: 0, timeout: 1, timeoutMs: 50 });
    await expect(getPatients(sim, accessToken)).rejects.toThrow();
  });

  it('rejects invalid fault settings through the admin API', async () => {
    sim = await startDrChronoSimulator({ patients: 5 });
    const res = await fetch(`${sim.url}/_admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"serverError": 2}',
    });
    expect(res.status).toBe(400);
  });
});
