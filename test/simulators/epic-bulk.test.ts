import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import { type EpicSimulator, startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { epicCode, fhirClient, type Loose, loadFhirValidator } from './epic-helpers.ts';

describe('Epic simulator Bulk Data Group $export', () => {
  const clock = createManualClock(Date.UTC(2026, 2, 1));
  let sim: EpicSimulator;
  let client: Awaited<ReturnType<typeof fhirClient>>;
  const validate = loadFhirValidator();
  const async = { prefer: 'respond-async', accept: 'application/fhir+json' };

  beforeAll(async () => {
    sim = await startEpicSimulator({ seed: 8, patients: 6, clock, bulkPollsBeforeComplete: 2 });
    client = await fhirClient(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  const kickOff = async (query = '') => {
    const res = await client.get(`/Group/${sim.groupId}/$export${query}`, async);
    expect(res.status).toBe(202);
    return res.headers.get('content-location') as string;
  };
  const pollToManifest = async (statusUrl: string) => {
    for (let i = 0; i < 10; i++) {
      const res = await client.get(statusUrl);
      if (res.status === 200) return res.body;
      expect(res.status).toBe(202);
      expect(res.headers.get('x-progress')).toMatch(/% complete/);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    throw new Error('bulk export never completed');
  };

  it('kicks off (202 + Content-Location), polls 202 with progress, then lists NDJSON files per type', async () => {
    const statusUrl = await kickOff();
    expect(statusUrl).toMatch(/\/api\/FHIR\/R4\/BulkRequest\/[0-9a-f]+$/);
    const first = await client.get(statusUrl);
    expect(first.status).toBe(202);
    const manifest = await pollToManifest(statusUrl);
    expect(manifest.requiresAccessToken).toBe(true);
    expect(manifest.request).toContain(`/Group/${sim.groupId}/$export`);
    const types = manifest.output.map((o: Loose) => o.type);
    expect(types).toEqual(
      expect.arrayContaining(['Patient', 'Encounter', 'Observation', 'DocumentReference']),
    );
    const patients = manifest.output.find((o: Loose) => o.type === 'Patient');
    expect(patients.count).toBe(6);
    const file = await client.get(patients.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/fhir+ndjson');
    const lines = (file.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    for (const r of lines) expect(validate(r)).toEqual([]);
    const unauthenticated = await fetch(patients.url);
    expect(unauthenticated.status).toBe(401);
  });

  it('filters by _type and _since (records changed after the instant only)', async () => {
    const manifest = await pollToManifest(await kickOff('?_type=Patient,Observation'));
    expect(manifest.output.map((o: Loose) => o.type).sort()).toEqual(['Observation', 'Patient']);

    clock.advance(60_000);
    const since = new Date(clock()).toISOString();
    clock.advance(60_000);
    sim.tick(5);
    const delta = await pollToManifest(await kickOff(`?_since=${encodeURIComponent(since)}`));
    const total = delta.output.reduce((n: number, o: Loose) => n + o.count, 0);
    expect(total).toBeGreaterThan(0);
    for (const o of delta.output) {
      const body = (await client.get(o.url)).body as string;
      for (const line of body.trim().split('\n'))
        expect(JSON.parse(line).meta.lastUpdated > since).toBe(true);
    }
  });

  it('cancels with DELETE; the status URL then answers 404', async () => {
    const statusUrl = await kickOff();
    expect((await client.del(statusUrl)).status).toBe(202);
    const gone = await client.get(statusUrl);
    expect(gone.status).toBe(404);
    expect(gone.body.resourceType).toBe('OperationOutcome');
    expect((await client.del(statusUrl)).status).toBe(404);
  });

  it('rejects a kick-off without Prefer: respond-async, bad _type/_since/_outputFormat, and unknown groups', async () => {
    const noPrefer = await client.get(`/Group/${sim.groupId}/$export`);
    expect(noPrefer.status).toBe(400);
    expect(noPrefer.body.issue[0].diagnostics).toMatch(/respond-async/);
    for (const q of ['?_type=Binary', '?_since=last-week', '?_since=2026-01-01', '?_outputFormat=text/csv']) {
      const res = await client.get(`/Group/${sim.groupId}/$export${q}`, async);
      expect(res.status, q).toBe(400);
      expect(epicCode(res.body), q).toBe('4100');
    }
    expect((await client.get('/Group/eNoSuchGroup3/$export', async)).status).toBe(404);
  });
});
