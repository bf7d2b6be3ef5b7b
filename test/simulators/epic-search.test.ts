import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import { type EpicSimulator, startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { epicCode, fhirClient, type Loose, loadFhirValidator } from './epic-helpers.ts';

describe('Epic simulator read and search', () => {
  const clock = createManualClock(Date.UTC(2026, 2, 1));
  let sim: EpicSimulator;
  let client: Awaited<ReturnType<typeof fhirClient>>;
  let patient: Loose;
  const validate = loadFhirValidator();

  beforeAll(async () => {
    sim = await startEpicSimulator({ seed: 21, patients: 120, clock });
    client = await fhirClient(sim);
    const group = (await client.get(`/Group/${sim.groupId}`)).body;
    patient = (await client.get(`/${group.member[0].entity.reference}`)).body;
  });
  afterAll(async () => {
    await sim.close();
  });

  it('reads a record, and answers 4102 for an unknown id and 404 for an unknown type', async () => {
    const res = await client.get(`/Patient/${patient.id}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(patient.id);
    expect(validate(res.body)).toEqual([]);
    const missing = await client.get('/Patient/eDoesNotExist3');
    expect(missing.status).toBe(404);
    expect(epicCode(missing.body)).toBe('4102');
    expect((await client.get('/Medication/x')).status).toBe(404);
  });

  it('searches Patient by identifier system|value, names, birthdate and gender', async () => {
    const mrn = patient.identifier.find((i: Loose) => i.type.text === 'EPI');
    const byMrn = await client.get(`/Patient?identifier=${encodeURIComponent(`${mrn.system}|${mrn.value}`)}`);
    expect(byMrn.body.entry.map((e: Loose) => e.resource.id)).toEqual([patient.id]);
    const wrongSystem = await client.get(
      `/Patient?identifier=${encodeURIComponent(`urn:oid:1.2.3|${mrn.value}`)}`,
    );
    expect(wrongSystem.body.entry[0].resource.resourceType).toBe('OperationOutcome');
    expect(epicCode(wrongSystem.body.entry[0].resource)).toBe('4101');

    const family = patient.name[0].family as string;
    const given = patient.name[0].given[0] as string;
    const byName = await client.get(
      `/Patient?family=${encodeURIComponent(family.slice(0, 3).toLowerCase())}&given=${encodeURIComponent(given)}&birthdate=${patient.birthDate}`,
    );
    expect(byName.body.entry.map((e: Loose) => e.resource.id)).toContain(patient.id);
    for (const e of byName.body.entry) expect(e.resource.birthDate).toBe(patient.birthDate);
    const byGender = await client.get(`/Patient?gender=${patient.gender}&name=${encodeURIComponent(family)}`);
    for (const e of byGender.body.entry) expect(e.resource.gender).toBe(patient.gender);
    const born = await client.get(`/Patient?birthdate=lt${patient.birthDate}&_id=${patient.id}`);
    expect(born.body.total).toBe(0);
  });

  it('refuses _lastUpdated outside DocumentReference, unknown parameters and modifiers with 4100', async () => {
    for (const path of [
      '/Patient?_lastUpdated=ge2020-01-01',
      `/Observation?patient=${patient.id}&category=laboratory&_lastUpdated=ge2020`,
      '/Patient?shoe-size=42',
      '/Patient?gender:not=male',
    ]) {
      const res = await client.get(path);
      expect(res.status, path).toBe(400);
      expect(epicCode(res.body), path).toBe('4100');
    }
    const badDate = await client.get('/Patient?birthdate=yesterday');
    expect(epicCode(badDate.body)).toBe('4100');
    expect(badDate.body.issue[0].diagnostics).toMatch(/birthdate/);
  });

  it('answers 4110 with no parameters and 4111 without the parameters Epic requires', async () => {
    expect(epicCode((await client.get('/Patient')).body)).toBe('4110');
    const noCategory = await client.get(`/Observation?patient=${patient.id}`);
    expect(noCategory.status).toBe(400);
    expect(epicCode(noCategory.body)).toBe('4111');
    expect(epicCode((await client.get('/Observation?category=vital-signs')).body)).toBe('4111');
    expect(epicCode((await client.get('/Encounter?status=finished')).body)).toBe('4111');
    expect(epicCode((await client.get('/Appointment?status=booked')).body)).toBe('4111');
  });

  it('searches Observation by patient/subject with category, code and date prefixes', async () => {
    const vitals = await client.get(`/Observation?patient=${patient.id}&category=vital-signs`);
    expect(vitals.status).toBe(200);
    expect(vitals.body.total).toBeGreaterThan(0);
    for (const e of vitals.body.entry) {
      expect(e.resource.subject.reference).toBe(`Patient/${patient.id}`);
      expect(e.resource.category[0].coding[0].code).toBe('vital-signs');
      expect(validate(e.resource)).toEqual([]);
    }
    const hr = await client.get(`/Observation?subject=Patient/${patient.id}&code=http://loinc.org|8867-4`);
    expect(hr.body.total).toBeGreaterThan(0);
    for (const e of hr.body.entry) expect(e.resource.code.coding[0].code).toBe('8867-4');
    const dates = vitals.body.entry.map((e: Loose) => e.resource.effectiveDateTime).sort();
    const last = dates.at(-1) as string;
    const after = await client.get(`/Observation?patient=${patient.id}&category=vital-signs&date=gt${last}`);
    expect(after.body.total).toBe(0);
    const upTo = await client.get(`/Observation?patient=${patient.id}&category=vital-signs&date=le${last}`);
    expect(upTo.body.total).toBe(vitals.body.total);
    const either = await client.get(`/Observation?patient=${patient.id}&category=vital-signs,laboratory`);
    expect(either.body.total).toBeGreaterThanOrEqual(vitals.body.total);
  });

  it('searches Appointment by patient, service-category, status and date; Encounter by patient and date', async () => {
    const appts = await client.get(`/Appointment?patient=${patient.id}&service-category=appointment`);
    expect(appts.body.total).toBeGreaterThan(0);
    for (const e of appts.body.entry) expect(validate(e.resource)).toEqual([]);
    const surgery = await client.get(`/Appointment?patient=${patient.id}&service-category=surgery`);
    expect(surgery.body.total).toBe(0);
    const fulfilled = await client.get(
      `/Appointment?patient=${patient.id}&status=fulfilled&date=lt2026-01-01`,
    );
    for (const e of fulfilled.body.entry) expect(e.resource.status).toBe('fulfilled');
    const enc = await client.get(`/Encounter?patient=${patient.id}&date=ge2020-01-01`);
    expect(enc.body.total).toBeGreaterThan(0);
    const none = await client.get(`/Encounter?patient=${patient.id}&date=ge2030-01-01`);
    expect(none.body.total).toBe(0);
  });

  it('supports _lastUpdated on DocumentReference', async () => {
    const all = await client.get(`/DocumentReference?patient=${patient.id}`);
    expect(all.body.total).toBeGreaterThan(0);
    const newest = all.body.entry
      .map((e: Loose) => e.resource.meta.lastUpdated)
      .sort()
      .at(-1);
    const after = await client.get(`/DocumentReference?patient=${patient.id}&_lastUpdated=gt${newest}`);
    expect(after.body.total).toBe(0);
    const upTo = await client.get(`/DocumentReference?subject=${patient.id}&_lastupdated=le${newest}`);
    expect(upTo.body.total).toBe(all.body.total);
  });

  it('searches Practitioner, PractitionerRole, Location, Organization and reads the bulk Group', async () => {
    const roles = await client.get(`/PractitionerRole?active=true`);
    expect(roles.body.total).toBeGreaterThan(0);
    const practitionerRef = roles.body.entry[0].resource.practitioner.reference as string;
    const pr = await client.get(`/PractitionerRole?practitioner=${practitionerRef}`);
    expect(pr.body.total).toBe(1);
    const practitioner = (await client.get(`/${practitionerRef}`)).body;
    const npi = practitioner.identifier.find((i: Loose) => i.system === 'http://hl7.org/fhir/sid/us-npi');
    const byNpi = await client.get(
      `/Practitioner?identifier=${encodeURIComponent(`${npi.system}|${npi.value}`)}`,
    );
    expect(byNpi.body.entry[0].resource.id).toBe(practitioner.id);
    const loc = await client.get('/Location?address-city=madison');
    expect(loc.body.total).toBeGreaterThan(0);
    for (const e of loc.body.entry) expect(validate(e.resource)).toEqual([]);
    const org = await client.get(`/Organization?_id=${sim.organizationId}`);
    expect(org.body.total).toBe(1);
    expect(validate(org.body.entry[0].resource)).toEqual([]);
    const group = await client.get(`/Group/${sim.groupId}`);
    expect(group.body.quantity).toBe(120);
    expect(validate(group.body)).toEqual([]);
  });

  it('answers the over-limit error instead of more than 100 results (4127 Patient, 59133 others)', async () => {
    const res = await client.get('/Patient?birthdate=ge1900');
    expect(res.status).toBe(400);
    expect(epicCode(res.body)).toBe('4127');
    const docs = await client.get('/DocumentReference?_lastUpdated=ge2000-01-01');
    expect(docs.status).toBe(400);
    expect(epicCode(docs.body)).toBe('59133');
    const narrow = await client.get('/Practitioner?active=true');
    expect(narrow.status).toBe(200);
  });

  it('pages with sessionID next links that replay the same page and expire with 4113', async () => {
    const first = await client.get('/Patient?birthdate=ge1995&_count=4');
    expect(first.status).toBe(200);
    const total = first.body.total as number;
    expect(total).toBeGreaterThan(8);
    const seen = first.body.entry.map((e: Loose) => e.resource.id);
    let next = first.body.link.find((l: Loose) => l.relation === 'next')?.url as string | undefined;
    expect(next).toMatch(/[?&]sessionID=10-[0-9A-F]+/);
    expect(next).toMatch(/birthdate=ge1995/);
    const again = await client.get(next as string);
    const twice = await client.get(next as string);
    expect(twice.body.entry.map((e: Loose) => e.resource.id)).toEqual(
      again.body.entry.map((e: Loose) => e.resource.id),
    );
    for (let guard = 0; next && guard < 50; guard++) {
      const page = await client.get(next);
      seen.push(...page.body.entry.map((e: Loose) => e.resource.id));
      next = page.body.link.find((l: Loose) => l.relation === 'next')?.url;
    }
    expect(new Set(seen).size).toBe(total);
    expect(seen.length).toBe(total);

    const changed = await client.get(
      (first.body.link.find((l: Loose) => l.relation === 'next').url as string).replace('ge1995', 'ge1996'),
    );
    expect(epicCode(changed.body)).toBe('4114');
    clock.advance(11 * 60_000);
    const expired = await client.get(first.body.link.find((l: Loose) => l.relation === 'next').url);
    expect(expired.status).toBe(400);
    expect(epicCode(expired.body)).toBe('4113');
    client = await fhirClient(sim);
  });

  it('accepts POST [type]/_search with a form body', async () => {
    const res = await fetch(`${sim.fhirBaseUrl}/Encounter/_search`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${client.token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ patient: patient.id }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Loose;
    for (const e of body.entry) expect(e.resource.subject.reference).toBe(`Patient/${patient.id}`);
  });

  it('corrupts one record of a bundle when malformed-record faults are on', async () => {
    sim.faults.update({ malformedRecord: 1 });
    try {
      const res = await client.get(`/Observation?patient=${patient.id}&category=vital-signs`);
      expect(res.status).toBe(200);
      const invalid = res.body.entry.filter((e: Loose) => validate(e.resource).length > 0);
      expect(invalid).toHaveLength(1);
      expect(invalid[0].resource.meta.lastUpdated).toBe('yesterday');
    } finally {
      sim.faults.update({ malformedRecord: 0 });
    }
  });

  it('injects 429 with and without Retry-After and 5xx as Epic OperationOutcomes, and counts them', async () => {
    sim.counters.reset();
    sim.faults.update({ rateLimited: 1, rateLimitedWithoutRetryAfter: 0 });
    const limited = await client.get(`/Patient/${patient.id}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    sim.faults.update({ rateLimitedWithoutRetryAfter: 1 });
    const bare = await client.get(`/Patient/${patient.id}`);
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    sim.faults.update({ rateLimited: 0, serverError: 1 });
    const failed = await client.get(`/Patient/${patient.id}`);
    expect(failed.status).toBe(500);
    expect(failed.body.resourceType).toBe('OperationOutcome');
    sim.faults.update({ serverError: 0 });
    expect(sim.counters.snapshot()['GET /api/FHIR/R4/:type/:id']).toEqual({ '429': 2, '500': 1 });
  });

  it('drops connections and times out on request', async () => {
    sim.faults.update({ droppedConnection: 1 });
    await expect(client.get(`/Patient/${patient.id}`)).rejects.toThrow();
    sim.faults.update({ droppedConnection: 0, timeout: 1, timeoutMs: 50 });
    await expect(client.get(`/Patient/${patient.id}`)).rejects.toThrow();
    sim.faults.update({ timeout: 0 });
  });
});

describe('Epic simulator configurable rate limit', () => {
  it('is off by default (Epic publishes none) and answers 429 with Retry-After when configured', async () => {
    const clock = createManualClock();
    const sim = await startEpicSimulator({ seed: 2, patients: 2, clock, requestsPerMinute: 3 });
    try {
      const client = await fhirClient(sim);
      for (let i = 0; i < 3; i++) expect((await client.get(`/Group/${sim.groupId}`)).status).toBe(200);
      const limited = await client.get(`/Group/${sim.groupId}`);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.body.issue[0].code).toBe('throttled');
      clock.advance(60_001);
      expect((await client.get(`/Group/${sim.groupId}`)).status).toBe(200);
    } finally {
      await sim.close();
    }
    const unlimited = await startEpicSimulator({
      seed: 2,
      patients: 2,
      requestsPerMinute: 1,
      rateLimits: false,
    });
    try {
      const client = await fhirClient(unlimited);
      for (let i = 0; i < 3; i++) expect((await client.get(`/Group/${unlimited.groupId}`)).status).toBe(200);
    } finally {
      await unlimited.close();
    }
  });
});
