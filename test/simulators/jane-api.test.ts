import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import type { JaneKind } from '../../src/simulators/jane/catalog.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import { api, connect } from './jane-helpers.ts';

type List = {
  items: Record<string, unknown>[];
  cursor: string | null;
  limit: number;
  links?: { after: string | null };
  hasNextPage: boolean;
};

describe('Jane simulator API', () => {
  const clock = createManualClock(Date.UTC(2026, 0, 10, 12));
  let sim: RunningJaneSimulator;
  let token: string;
  const get = (path: string) => api(sim.rootClinic.apiBaseUrl, token, path);
  const getJson = async <T = List>(path: string) => {
    const res = await get(path);
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  };
  const allPages = async (path: string) => {
    const seen: Record<string, unknown>[] = [];
    let next: string | null = path;
    for (let i = 0; next && i < 100; i++) {
      const res = await fetch(`${sim.url}${next}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as List;
      seen.push(...body.items);
      next = body.links?.after ?? null;
    }
    return seen;
  };

  beforeAll(async () => {
    sim = await startJaneSimulator({
      patients: 40,
      clock,
      rateLimits: false,
      clinics: [{ slug: 'main' }, { slug: 'annex', patients: 5, seed: 99 }],
    });
    token = (await connect(sim)).access_token;
  });
  afterAll(() => sim.close());
  afterEach(() => {
    sim.faults.update({ malformedRecord: 0, expiredToken: 0, serverError: 0 });
  });

  describe('paging', () => {
    it('walks every record once through links.after, hiding created/updated timestamps on patients', async () => {
      const items = await allPages('/api/2026-01-01/patients?page[limit]=7');
      expect(items).toHaveLength(40);
      expect(new Set(items.map((p) => p.id)).size).toBe(40);
      expect(items[0]).not.toHaveProperty('updated_at');
      expect(items[0]).not.toHaveProperty('created_at');
    });

    it('keeps keyset pages consistent when records are created between pages', async () => {
      const first = await getJson('/patients?sort=created_at&page[limit]=10');
      sim.tickClinic('main', 1); // creates a patient (newest, sorts last)
      const rest = await allPages(first.body.links?.after ?? '');
      const ids = [...first.body.items, ...rest].map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(sim.clinic().store.count('patients'));
    });

    it('rejects bad page sizes, unknown sorts and foreign cursors', async () => {
      for (const q of [
        'page[limit]=0',
        'page[limit]=1001',
        'page[limit]=ten',
        'sort=first_name',
        'page[cursor]=%%%',
      ]) {
        const res = await getJson<{ errors: { message: string }[] }>(`/patients?${q}`);
        expect(res.status, q).toBe(400);
        expect(res.body.errors[0]?.message).toBeTruthy();
      }
      const page = await getJson('/appointments?sort=start_at&page[limit]=2');
      const mismatch = await getJson<{ errors: { message: string }[] }>(
        `/appointments?sort=-start_at&page[cursor]=${page.body.cursor}`,
      );
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.errors[0]?.message).toMatch(/different filter or sort/);
    });

    it('uses the medications envelope with next_cursor', async () => {
      const first = await getJson<{ items: unknown[]; pagination: Record<string, unknown> }>(
        '/medical-record/medications?page[limit]=3',
      );
      expect(first.body.pagination).toMatchObject({ cursor: null, has_next_page: true, prev_cursor: null });
      const next = String(first.body.pagination.next_cursor);
      const second = await getJson<{ items: { id: string }[]; pagination: Record<string, unknown> }>(
        `/medical-record/medications?page[limit]=3&page[cursor]=${next}`,
      );
      expect(second.body.pagination.cursor).toBe(next);
      expect(second.body.items[0]?.id).not.toBe((first.body.items[0] as { id: string }).id);
    });
  });

  describe('filters and sort', () => {
    it('updated_at[gte] is inclusive at second granularity; gt skips the rest of that second', async () => {
      clock.advance(60_000);
      sim.tickClinic('main', 4); // patient created, appointments created/updated, patient updated
      const touched = sim
        .clinic()
        .store.entries('patients')
        .reduce((a, b) => (a.updatedAt > b.updatedAt ? a : b));
      const second = new Date(Math.floor(touched.updatedAt / 1000) * 1000)
        .toISOString()
        .replace('.000Z', 'Z');
      const gte = await getJson(`/patients?updated_at[gte]=${second}&sort=updated_at`);
      expect(gte.body.items.map((p) => p.id)).toContain(touched.id);
      const gt = await getJson(`/patients?updated_at[gt]=${second}&sort=updated_at`);
      expect(gt.body.items.map((p) => p.id)).not.toContain(touched.id);
    });

    it('filters appointments by id lists and date ranges, and sorts descending', async () => {
      const patientIds = sim
        .clinic()
        .store.entries('patients')
        .slice(0, 3)
        .map((p) => p.id);
      const res = await getJson(`/appointments?patient_id[eq]=${patientIds.join(',')}&page[limit]=1000`);
      expect(res.body.items.length).toBeGreaterThan(0);
      expect(res.body.items.every((a) => patientIds.includes(String(a.patient_id)))).toBe(true);

      const window = await getJson(
        '/appointments?start_at[gte]=2025-01-01T00:00:00Z&start_at[lt]=2025-04-01T00:00:00Z&sort=-start_at&page[limit]=1000',
      );
      const starts = window.body.items.map((a) => String(a.start_at));
      expect(starts.every((s) => s >= '2025-01-01' && s < '2025-04-01')).toBe(true);
      expect([...starts].sort().reverse()).toEqual(starts);
    });

    it('rejects unknown fields, disallowed operators, imprecise datetimes and too many values', async () => {
      const cases: [string, RegExp][] = [
        ['/patients?first_name[eq]=Ann', /Unsupported filter field "first_name"/],
        ['/patients?created_at[co]=2025', /Operator "co" is not supported/],
        ['/patients?updated_at[gte]=2025-01-01T12:00Z', /precise to the second/],
        ['/patients?public_id=abc', /needs an operator/],
        [
          `/appointments?patient_id[eq]=${Array.from({ length: 101 }, (_, i) => i).join(',')}`,
          /At most 100 values/,
        ],
      ];
      for (const [path, message] of cases) {
        const res = await getJson<{ errors: { message: string }[] }>(path);
        expect(res.status, path).toBe(400);
        expect(res.body.errors[0]?.message).toMatch(message);
      }
      const loc = await getJson<{ error: string }>('/locations?city[eq]=x');
      expect(loc.status).toBe(400);
      expect(loc.body.error).toMatch(/Unsupported filter/);
    });

    it('filters treatments by offering staff member and observations by patient and category', async () => {
      const store = sim.clinic().store;
      const staff = store.entries('staff_members')[0]?.id ?? '';
      const offered = await getJson(`/treatments?staff_member_ids[eq]=${staff}`);
      const expected = store
        .entries('treatments')
        .filter((t) => (t.internal?.staff_member_ids as string[] | undefined)?.includes(staff));
      expect(offered.body.items.map((t) => t.id).sort()).toEqual(expected.map((t) => t.id).sort());
      const obs = store.entries('observations')[0];
      const byPatient = await getJson(
        `/medical-record/observations?patient_id[eq]=${obs?.record.patient_id}&category[eq]=${obs?.record.category}`,
      );
      expect(byPatient.body.items.map((o) => o.id)).toContain(obs?.id);
    });

    it('searches patients by free text in a POST body, without links', async () => {
      const patient: Record<string, unknown> = sim.clinic().store.entries('patients')[3]?.record ?? {};
      const res = await api(sim.rootClinic.apiBaseUrl, token, '/patients/search', {
        method: 'POST',
        body: { search: { co: String(patient.email).toUpperCase() }, page: { limit: 10 } },
      });
      const body = (await res.json()) as List;
      expect(body.items.map((p) => p.id)).toContain(patient.id);
      expect(body).not.toHaveProperty('links');
      for (const bad of [
        {},
        { search: { eq: 'x' } },
        { search: { co: 'x' }, public_id: 'y' },
        { search: { co: 'x'.repeat(256) } },
      ]) {
        const r = await api(sim.rootClinic.apiBaseUrl, token, '/patients/search', {
          method: 'POST',
          body: bad,
        });
        expect(r.status, JSON.stringify(bad).slice(0, 40)).toBe(400);
      }
    });
  });

  describe('writes', () => {
    const post = (path: string, body: unknown, method = 'POST') =>
      api(sim.rootClinic.apiBaseUrl, token, path, { method, body });

    it('creates and patches observations with {data} bodies and clear validation errors', async () => {
      const patientId = sim.clinic().store.entries('patients')[0]?.id;
      const created = await post('/medical-record/observations', {
        data: { patient_id: patientId, category: 'exam', note: 'Baseline' },
      });
      expect(created.status).toBe(201);
      const obs = (await created.json()) as Record<string, string>;
      expect(obs.practitioner_id).toBe(sim.clinic().owner.id);
      expect(obs.created_at).toBe(obs.updated_at);
      clock.advance(2000);
      const patched = (await (
        await post(`/medical-record/observations/${obs.id}`, { data: { note: 'Updated' } }, 'PATCH')
      ).json()) as Record<string, string>;
      expect(patched.note).toBe('Updated');
      expect(String(patched.updated_at) > String(obs.updated_at)).toBe(true);

      const noData = await post('/medical-record/observations', { patient_id: patientId, category: 'exam' });
      expect(noData.status).toBe(400);
      const bad = (await (
        await post('/medical-record/observations', { data: { patient_id: 'nope', category: 'vitals' } })
      ).json()) as { errors: { path: string }[] };
      expect(bad.errors.map((e) => e.path).sort()).toEqual(['/data/category', '/data/patient_id']);
      const unknownPatient = await post('/medical-record/observations', {
        data: { patient_id: '00000000-0000-7000-8000-000000000000', category: 'exam' },
      });
      expect(unknownPatient.status).toBe(400);
      const extra = await post(
        `/medical-record/observations/${obs.id}`,
        { data: { category: 'exam' } },
        'PATCH',
      );
      expect(extra.status).toBe(400);
      expect(
        (
          await post(
            '/medical-record/observations/00000000-0000-7000-8000-000000000000',
            { data: {} },
            'PATCH',
          )
        ).status,
      ).toBe(404);
    });

    it('records medication history entries on create and update', async () => {
      const patientId = sim.clinic().store.entries('patients')[0]?.id;
      const med = (await (
        await post('/medical-record/medications', {
          data: {
            patient_id: patientId,
            medication_code: { text: 'Vitamin D3 1000 IU' },
            status: 'active',
            source: 'patient_reported',
          },
        })
      ).json()) as { id: string; practitioner_id: string };
      await post(
        `/medical-record/medications/${med.id}`,
        { data: { status: 'inactive', change_reason: 'completed' } },
        'PATCH',
      );
      const history = (await (await get(`/medical-record/medications/${med.id}/history`)).json()) as {
        items: Record<string, unknown>[];
      };
      expect(history.items.map((h) => h.event)).toEqual(['create', 'update']);
      expect(history.items[1]).toMatchObject({
        reason: 'completed',
        changes: expect.arrayContaining([{ attribute: 'status', from: 'active', to: 'inactive' }]),
      });
      const missingPatient = await post('/medical-record/medications', {
        data: {
          patient_id: '00000000-0000-7000-8000-000000000000',
          medication_code: { text: 'x' },
          status: 'active',
          source: 'prescribed',
        },
      });
      expect(missingPatient.status).toBe(404);
      const badDates = await post(
        `/medical-record/medications/${med.id}`,
        { data: { period_start: '2026-02-01', period_end: '2026-01-01' } },
        'PATCH',
      );
      expect(badDates.status).toBe(422);
    });

    it('adds care plan activities and bumps the plan', async () => {
      const patientId = sim.clinic().store.entries('patients')[0]?.id;
      const plan = (await (
        await post('/medical-record/care-plans', {
          data: { patient_id: patientId, category: 'treatment_plan' },
        })
      ).json()) as { id: string; status: string; updated_at: string };
      expect(plan.status).toBe('draft');
      clock.advance(1500);
      const act = await post(`/medical-record/care-plans/${plan.id}/activities`, {
        data: { category: 'exercise', description: 'Planks' },
      });
      expect(act.status).toBe(201);
      const after = (await (await get(`/medical-record/care-plans/${plan.id}`)).json()) as {
        activities: unknown[];
        updated_at: string;
      };
      expect(after.activities).toHaveLength(1);
      expect(after.updated_at > plan.updated_at).toBe(true);
      expect(
        (await post(`/medical-record/care-plans/${plan.id}/activities`, { data: { category: 'dance' } }))
          .status,
      ).toBe(400);
      expect(
        (await post('/medical-record/care-plans', { data: { patient_id: patientId, category: 'other' } }))
          .status,
      ).toBe(400);
    });

    it('uploads documents, serves them through expiring presigned URLs and attaches them', async () => {
      const upload = (file: Blob, name = 'file') => {
        const form = new FormData();
        form.set(name, file, 'scan');
        return fetch(`${sim.rootClinic.apiBaseUrl}/document-uploads`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: form,
        });
      };
      const res = await upload(new Blob(['PNGDATA'], { type: 'image/png' }));
      expect(res.status).toBe(201);
      const doc = (await res.json()) as { id: string; file_path: string };
      const file = await fetch(doc.file_path);
      expect(file.status).toBe(200);
      expect(await file.text()).toBe('PNGDATA');
      clock.advance(10 * 60_000 + 1);
      expect((await fetch(doc.file_path)).status).toBe(403);
      expect((await fetch(doc.file_path.replace(/signature=\w+/, 'signature=00'))).status).toBe(403);
      token = (await connect(sim)).access_token; // ten minutes outlived the access token

      expect((await upload(new Blob(['x'], { type: 'text/plain' }))).status).toBe(400);
      expect((await upload(new Blob(['x'], { type: 'application/pdf' }), 'attachment')).status).toBe(400);
      const json = await post('/document-uploads', { file: 'x' });
      expect(json.status).toBe(400);

      const patientId = sim.clinic().store.entries('patients')[0]?.id;
      const withDoc = await post('/medical-record/observations', {
        data: { patient_id: patientId, category: 'exam', document_ids: [doc.id] },
      });
      expect(withDoc.status).toBe(201);
      const unknownDoc = await post('/medical-record/observations', {
        data: {
          patient_id: patientId,
          category: 'exam',
          document_ids: ['00000000-0000-7000-8000-000000000000'],
        },
      });
      expect(unknownDoc.status).toBe(400);
    });
  });

  describe('clinics', () => {
    it('serves each clinic under its own prefix with its own data', async () => {
      const annex = sim.clinics.find((c) => c.slug === 'annex');
      if (!annex) throw new Error('annex missing');
      const annexToken = (await connect(sim, { resource: annex.url })).access_token;
      const res = await api(annex.apiBaseUrl, annexToken, '/patients?page[limit]=100');
      const body = (await res.json()) as List;
      expect(body.items).toHaveLength(5);
      const mainIds = new Set(
        sim
          .clinic('main')
          .store.entries('patients')
          .map((p) => p.id),
      );
      expect(body.items.some((p) => mainIds.has(String(p.id)))).toBe(false);
      const page = (await (
        await api(annex.apiBaseUrl, annexToken, '/patients?page[limit]=2')
      ).json()) as List;
      expect(page.links?.after).toMatch(/^\/annex\/api\/2026-01-01\/patients\?/);
      expect((await fetch(`${sim.url}/nowhere/api/2026-01-01/patients`)).status).toBe(404);
    });
  });

  describe('faults', () => {
    it('malformed-record injection corrupts one item of a page with a wrong-typed field', async () => {
      sim.faults.update({ malformedRecord: 1 });
      const res = await getJson('/patients?page[limit]=5');
      const bad = res.body.items.filter((p) => typeof p.date_of_birth !== 'string');
      expect(bad).toHaveLength(1);
      expect(typeof bad[0]?.date_of_birth).toBe('number');
      sim.faults.update({ malformedRecord: 0 });
      const stored = sim.clinic().store.get('patients', String(bad[0]?.id));
      expect(typeof stored?.record.date_of_birth).toBe('string');
    });

    it('expired-token injection answers like a real expiry', async () => {
      sim.faults.update({ expiredToken: 1 });
      const res = await getJson<{ error: string }>('/patients');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'The access token has expired' });
      expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
    });

    it('injects 5xx with the Jane error envelope', async () => {
      sim.faults.update({ serverError: 1 });
      const res = await getJson<{ errors: unknown[] }>('/patients');
      expect(res.status).toBe(500);
      expect(res.body.errors).toHaveLength(1);
    });

    it('injects 429 with and without Retry-After', async () => {
      sim.faults.update({ rateLimited: 1, rateLimitedWithoutRetryAfter: 1 });
      const res = await get('/patients');
      sim.faults.update({ rateLimited: 0, rateLimitedWithoutRetryAfter: 0 });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(res.headers.get('x-throttle-match')).toBe('marketing_api/ip/clinic');
    });
  });

  describe('ticks', () => {
    it('creates and updates every resource kind over a schedule cycle, with advancing timestamps', async () => {
      const store = sim.clinic('annex').store;
      const before = Object.fromEntries(
        (
          [
            'patients',
            'appointments',
            'staff_members',
            'locations',
            'disciplines',
            'treatments',
            'observations',
            'care_plans',
            'medications',
          ] as const
        ).map((k) => [
          k,
          { count: store.count(k), maxUpdated: Math.max(...store.entries(k).map((e) => e.updatedAt)) },
        ]),
      );
      const result = sim.tickClinic('annex', 22);
      expect(result.created + result.updated).toBe(22);
      expect(result.updated).toBeGreaterThan(5);
      for (const [kind, was] of Object.entries(before)) {
        const k = kind as JaneKind;
        expect(store.count(k), kind).toBeGreaterThan(was.count);
        expect(Math.max(...store.entries(k).map((e) => e.updatedAt)), kind).toBeGreaterThan(was.maxUpdated);
      }
    });

    it('ticks through /_admin/tick, and validates the count', async () => {
      const before = sim.clinic('main').store.count('patients') + sim.clinic('annex').store.count('patients');
      const res = await fetch(`${sim.url}/_admin/tick?count=18`, { method: 'POST' });
      expect(await res.json()).toEqual({ created: expect.any(Number), updated: expect.any(Number) });
      expect(
        sim.clinic('main').store.count('patients') + sim.clinic('annex').store.count('patients'),
      ).toBeGreaterThan(before);
      expect((await fetch(`${sim.url}/_admin/tick?count=0`, { method: 'POST' })).status).toBe(400);
    });
  });
});

describe('Jane simulator rate limits', () => {
  it('allows 100 requests per minute per endpoint per clinic, then 429 with Retry-After and X-Throttle-Match', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 10));
    const sim = await startJaneSimulator({ patients: 2, clock });
    try {
      const { access_token } = await connect(sim);
      const call = (path: string) => api(sim.rootClinic.apiBaseUrl, access_token, path);
      for (let i = 0; i < 100; i++) expect((await call('/patients')).status).toBe(200);
      const limited = await call('/patients');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('60');
      expect(limited.headers.get('x-throttle-match')).toBe('marketing_api/ip/clinic');
      expect(await limited.json()).toMatchObject({ object: 'error', code: 'rate_limited' });
      expect((await call('/appointments')).status).toBe(200); // another endpoint has its own budget
      clock.advance(30_000);
      expect((await call('/patients')).headers.get('retry-after')).toBe('30');
      clock.advance(30_001);
      expect((await call('/patients')).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('caps a clinic at 600 requests per 5 minutes across endpoints', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 10));
    const sim = await startJaneSimulator({ patients: 1, clock });
    try {
      const { access_token } = await connect(sim);
      const paths = [
        '/patients',
        '/appointments',
        '/staff_members',
        '/locations',
        '/disciplines',
        '/treatments',
        '/company',
      ];
      let statuses: number[] = [];
      // 7 endpoints share 601 requests: under 100 each, so only the clinic-wide cap can trip.
      for (let i = 0; i < 601; i++) {
        const res = await api(
          sim.rootClinic.apiBaseUrl,
          access_token,
          paths[i % paths.length] ?? '/patients',
        );
        statuses.push(res.status);
        if (res.status === 429) expect(res.headers.get('x-throttle-match')).toBe('marketing_api/clinic');
      }
      statuses = statuses.filter((s) => s === 429);
      expect(statuses.length).toBe(1);
    } finally {
      await sim.close();
    }
  });
});
