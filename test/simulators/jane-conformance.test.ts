import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import { api, connect } from './jane-helpers.ts';
import { loadOpenApi, type OpenApiDoc, responseSchema, validate } from './jane-openapi-checker.ts';

/** Every response the simulator gives is checked against the vendor's JDP OpenAPI schemas. */
describe('Jane simulator conforms to the JDP OpenAPI', () => {
  const V = '/api/2026-01-01';
  let sim: RunningJaneSimulator;
  let doc: OpenApiDoc;
  let token: string;
  const ids: Record<string, string> = {};

  const check = async (
    specPath: string,
    method: string,
    path: string,
    init: Parameters<typeof api>[3] = {},
  ) => {
    const res = await api(sim.rootClinic.apiBaseUrl, token, path, { method, ...init });
    const body = (await res.json()) as Record<string, unknown>;
    const errors = validate(doc, responseSchema(doc, `${V}${specPath}`, method, res.status), body);
    expect(errors, `${method} ${path} → ${res.status}`).toEqual([]);
    return { status: res.status, body };
  };

  beforeAll(async () => {
    doc = loadOpenApi();
    sim = await startJaneSimulator({ patients: 30, seed: 7, rateLimits: false });
    token = (await connect(sim)).access_token;
    const store = sim.clinic().store;
    for (const kind of [
      'patients',
      'appointments',
      'staff_members',
      'locations',
      'disciplines',
      'treatments',
      'observations',
      'care_plans',
      'medications',
    ] as const) {
      ids[kind] = store.entries(kind)[0]?.id ?? '';
    }
    sim.tick(44); // live records, updated records and medication history updates too
  });
  afterAll(() => sim.close());

  it.each([
    ['/patients', '/patients?page[limit]=100'],
    ['/appointments', '/appointments?page[limit]=200'],
    ['/staff_members', '/staff_members'],
    ['/locations', '/locations'],
    ['/disciplines', '/disciplines'],
    ['/treatments', '/treatments'],
    ['/medical-record/observations', '/medical-record/observations?page[limit]=100'],
    ['/medical-record/care-plans', '/medical-record/care-plans'],
    ['/medical-record/medications', '/medical-record/medications?page[limit]=100'],
  ])('list %s', async (specPath, path) => {
    const { status, body } = await check(specPath, 'get', path);
    expect(status).toBe(200);
    expect((body.items as unknown[]).length).toBeGreaterThan(0);
  });

  it.each([
    ['/patients/{patient_id}', 'patients', '/patients/'],
    ['/appointments/{appointment_id}', 'appointments', '/appointments/'],
    ['/staff_members/{staff_member_id}', 'staff_members', '/staff_members/'],
    ['/locations/{location_id}', 'locations', '/locations/'],
    ['/disciplines/{discipline_id}', 'disciplines', '/disciplines/'],
    ['/treatments/{id}', 'treatments', '/treatments/'],
    ['/medical-record/observations/{observation_id}', 'observations', '/medical-record/observations/'],
    ['/medical-record/care-plans/{care_plan_id}', 'care_plans', '/medical-record/care-plans/'],
    ['/medical-record/medications/{medication_id}', 'medications', '/medical-record/medications/'],
    ['/medical-record/medications/{medication_id}/history', 'medications', '/medical-record/medications/'],
  ])('get %s (found and not found)', async (specPath, kind, prefix) => {
    const suffix = specPath.endsWith('/history') ? '/history' : '';
    expect((await check(specPath, 'get', `${prefix}${ids[kind]}${suffix}`)).status).toBe(200);
    const missing = await check(specPath, 'get', `${prefix}00000000-0000-7000-8000-000000000000${suffix}`);
    expect(missing.status).toBe(404);
  });

  it('company, patient search and list errors', async () => {
    expect((await check('/company', 'get', '/company')).status).toBe(200);
    const search = await check('/patients/search', 'post', '/patients/search', {
      body: { search: { co: 'a' }, page: { limit: 5 } },
    });
    expect(search.status).toBe(200);
    expect(search.body).not.toHaveProperty('links');
    expect((await check('/locations', 'get', '/locations?name[eq]=x')).status).toBe(400);
    expect((await check('/appointments', 'get', '/appointments?updated_at[gte]=2025-01-01')).status).toBe(
      400,
    );
    expect((await check('/treatments', 'get', '/treatments?public_id[gt]=a')).status).toBe(400);
  });

  it('writes: observations, care plans, activities, medications, documents', async () => {
    const patient_id = ids.patients;
    const obs = await check('/medical-record/observations', 'post', '/medical-record/observations', {
      body: {
        data: {
          patient_id,
          category: 'vital_signs',
          values: [
            {
              code: '8867-4',
              system: 'http://loinc.org',
              display: 'Heart rate',
              value: '64',
              value_type: 'numeric',
              unit: '/min',
            },
          ],
        },
      },
    });
    expect(obs.status).toBe(201);
    expect(
      (
        await check('/medical-record/observations', 'post', '/medical-record/observations', {
          body: { data: { category: 'exam' } },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await check(
          '/medical-record/observations/{observation_id}',
          'patch',
          `/medical-record/observations/${obs.body.id}`,
          { body: { data: { note: 'Rechecked' } } },
        )
      ).status,
    ).toBe(200);

    const plan = await check('/medical-record/care-plans', 'post', '/medical-record/care-plans', {
      body: {
        data: {
          patient_id,
          category: 'treatment_plan',
          title: 'Rehab',
          activities: [{ category: 'exercise', description: 'Squats' }],
        },
      },
    });
    expect(plan.status).toBe(201);
    const activity = await check(
      '/medical-record/care-plans/{care_plan_id}/activities',
      'post',
      `/medical-record/care-plans/${plan.body.id}/activities`,
      {
        body: { data: { category: 'nutrition', description: 'More fibre' } },
      },
    );
    expect(activity.status).toBe(201);
    const activityPath = `/medical-record/care-plans/${plan.body.id}/activities/${activity.body.id}`;
    const activitySpec = '/medical-record/care-plans/{care_plan_id}/activities/{care_plan_activity_id}';
    expect((await check(activitySpec, 'get', activityPath)).status).toBe(200);
    expect(
      (await check(activitySpec, 'patch', activityPath, { body: { data: { progress: 'Done' } } })).status,
    ).toBe(200);
    expect(
      (
        await check(
          '/medical-record/care-plans/{care_plan_id}',
          'patch',
          `/medical-record/care-plans/${plan.body.id}`,
          { body: { data: { status: 'active' } } },
        )
      ).status,
    ).toBe(200);

    const med = await check('/medical-record/medications', 'post', '/medical-record/medications', {
      body: {
        data: {
          patient_id,
          medication_code: {
            text: 'Ibuprofen 600 MG Oral Tablet',
            coding: [
              {
                system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
                code: '197806',
                display: 'Ibuprofen 600 MG Oral Tablet',
              },
            ],
          },
          status: 'active',
          source: 'prescribed',
          quantity: 30,
        },
      },
    });
    expect(med.status).toBe(201);
    expect(
      (
        await check(
          '/medical-record/medications/{medication_id}',
          'patch',
          `/medical-record/medications/${med.body.id}`,
          { body: { data: { status: 'inactive', change_reason: 'completed' } } },
        )
      ).status,
    ).toBe(200);
    const history = await check(
      '/medical-record/medications/{medication_id}/history',
      'get',
      `/medical-record/medications/${med.body.id}/history`,
    );
    expect((history.body.items as unknown[]).length).toBe(2);

    const form = new FormData();
    form.set('file', new Blob(['%PDF-1.4 test'], { type: 'application/pdf' }), 'intake.pdf');
    const upload = await fetch(`${sim.rootClinic.apiBaseUrl}/document-uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const uploaded = await upload.json();
    expect(upload.status).toBe(201);
    expect(validate(doc, responseSchema(doc, `${V}/document-uploads`, 'post', 201), uploaded)).toEqual([]);
    expect(
      (
        await check(
          '/document-uploads/{document_id}',
          'get',
          `/document-uploads/${(uploaded as { id: string }).id}`,
        )
      ).status,
    ).toBe(200);
  });

  it('429 bodies and headers', async () => {
    const limited = await startJaneSimulator({ patients: 1, faults: { rateLimited: 1 } });
    try {
      const res = await fetch(`${limited.rootClinic.apiBaseUrl}/appointments`);
      expect(res.status).toBe(429);
      expect(res.headers.get('x-throttle-match')).toBeTruthy();
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(validate(doc, responseSchema(doc, `${V}/appointments`, 'get', 429), await res.json())).toEqual(
        [],
      );
    } finally {
      await limited.close();
    }
  });
});
