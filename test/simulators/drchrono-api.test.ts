import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import { json, type LooseResponse, looseFetch, startTestDrChrono } from './drchrono-helpers.ts';

type Envelope = { previous: string | null; results: Record<string, unknown>[]; next: string | null };

const clock = createManualClock(Date.UTC(2026, 2, 10, 12, 0, 0));
let sim: RunningDrChronoSimulator;
let api: (path: string, init?: RequestInit) => Promise<LooseResponse>;
const page = async (path: string): Promise<Envelope> => {
  const res = await api(path);
  expect(res.status, path).toBe(200);
  return res.json() as Promise<Envelope>;
};

beforeAll(async () => {
  ({ sim, api } = await startTestDrChrono({ patients: 60, clock }));
});
afterAll(() => sim.close());

describe('DrChrono lists', () => {
  it('pages with absolute cursor URLs forward and back, covering every record once', async () => {
    const first = await page('/api/patients?page_size=25');
    expect(first.previous).toBeNull();
    expect(first.next).toMatch(new RegExp(`^${sim.url}/api/patients\\?page_size=25&cursor=`));
    const ids: unknown[] = first.results.map((r) => r.id);
    let next = first.next;
    let last = first;
    while (next) {
      last = await page(next);
      ids.push(...last.results.map((r) => r.id));
      next = last.next;
    }
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    expect(last.previous).not.toBeNull();
    const back = await page(last.previous as string);
    expect(back.results.map((r) => r.id)).toEqual(ids.slice(25, 50));
  });

  it('clamps page_size to 250 (25 for verbose appointments) and rejects a bad page_size or cursor', async () => {
    expect((await page('/api/appointments?since=2000-01-01&page_size=1000')).results).toHaveLength(240);
    expect((await page('/api/line_items?page_size=300')).results).toHaveLength(250);
    expect(
      (await page('/api/appointments?since=2000-01-01&verbose=true&page_size=100')).results,
    ).toHaveLength(25);
    expect((await api('/api/patients?page_size=0')).status).toBe(400);
    const bad = await api('/api/patients?cursor=garbage');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ detail: 'Invalid cursor' });
  });

  it('filters since by date: records updated on or after that day, a time part ignored', async () => {
    const all = (await page('/api/patients?page_size=250')).results;
    const cut = '2025-06-01';
    const expected = all.filter((r) => String(r.updated_at).slice(0, 10) >= cut).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    expect((await page(`/api/patients?since=${cut}&page_size=250`)).results.map((r) => r.id)).toEqual(
      expected,
    );
    expect(
      (await page(`/api/patients?since=${cut}T23:59:59&page_size=250`)).results.map((r) => r.id),
    ).toEqual(expected);
    const bad = await api('/api/patients?since=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ since: ['Enter a valid date.'] });
  });

  it('supports updated_since (datetime) on messages only', async () => {
    expect(sim.catalog.endpoints.filter((e) => e.updatedSince).map((e) => e.resource)).toEqual(['messages']);
    const all = (await page('/api/messages?page_size=250')).results;
    const pivot = String(all[Math.floor(all.length / 2)]?.updated_at);
    const after = (await page(`/api/messages?updated_since=${pivot}&page_size=250`)).results;
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((r) => String(r.updated_at) >= pivot)).toBe(true);
  });

  it('requires since, occurred_since, date or date_range on appointments, and limits date_range to 190 days', async () => {
    const res = await api('/api/appointments');
    expect(res.status).toBe(400);
    expect((await res.json()).detail).toMatch(/`since`, `occurred_since`, `date`, `date_range`/);
    const day = (await page('/api/appointments?since=2000-01-01&page_size=1')).results[0]
      ?.scheduled_time as string;
    const onDay = (await page(`/api/appointments?date=${day.slice(0, 10)}`)).results;
    expect(onDay.length).toBeGreaterThan(0);
    expect(onDay.every((a) => String(a.scheduled_time).startsWith(day.slice(0, 10)))).toBe(true);
    const ranged = (await page('/api/appointments?date_range=2025-01-01/2025-03-31&page_size=250')).results;
    const times = ranged.map((a) => String(a.scheduled_time));
    expect(times).toEqual([...times].sort());
    expect(times.every((t) => t >= '2025-01-01' && t < '2025-04-01')).toBe(true);
    const tooWide = await api('/api/appointments?date_range=2025-01-01/2025-12-31');
    expect(tooWide.status).toBe(400);
    expect(Object.keys(await tooWide.json())).toEqual(['date_range']);
  });

  it('filters by reference and adds verbose-only fields only with verbose=true', async () => {
    const doctor = sim.dataset?.idOf('doctors', 0);
    const mine = (await page(`/api/patients?doctor=${doctor}&page_size=250`)).results;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((p) => p.doctor === doctor)).toBe(true);
    expect(mine[0]).not.toHaveProperty('primary_insurance');
    const verbose = (await page(`/api/patients?doctor=${doctor}&verbose=true&page_size=1`)).results[0];
    expect(verbose).toHaveProperty('primary_insurance');
    expect(verbose).toHaveProperty('custom_demographics');
  });

  it('keeps relations consistent: appointments point at existing patients, doctors, offices and exam rooms', async () => {
    const appts = (await page('/api/appointments?since=2000-01-01&page_size=50')).results.filter(
      (a) => a.patient !== null,
    );
    for (const a of appts.slice(0, 10)) {
      const patient = await (await api(`/api/patients/${a.patient}`)).json();
      expect(patient.id).toBe(a.patient);
      const office = await (await api(`/api/offices/${a.office}`)).json();
      expect(office.exam_rooms.map((r: { index: number }) => r.index)).toContain(a.exam_room);
      expect((await api(`/api/doctors/${a.doctor}`)).status).toBe(200);
    }
    const item = (await page('/api/line_items?page_size=1')).results[0];
    expect((await api(`/api/appointments/${item?.appointment}`)).status).toBe(200);
  });
});

describe('DrChrono writes', () => {
  const doctor = () => sim.dataset?.idOf('doctors', 0);

  it('creates (201), updates (PUT/PATCH 204, updated_at advances) and deletes (204)', async () => {
    const created = await api('/api/tasks', {
      method: 'POST',
      body: json({ title: 'Fax records', status: sim.dataset?.idOf('task_statuses', 0) }),
    });
    expect(created.status).toBe(201);
    const task = await created.json();
    expect(task).toMatchObject({ title: 'Fax records', archived: false });
    clock.advance(60_000);
    const patched = await api(`/api/tasks/${task.id}`, { method: 'PATCH', body: json({ priority: '40' }) });
    expect(patched.status).toBe(204);
    expect(await patched.text()).toBe('');
    const after = await (await api(`/api/tasks/${task.id}`)).json();
    expect(after.priority).toBe('40');
    expect(after.updated_at > task.updated_at).toBe(true);
    const put = await api(`/api/tasks/${task.id}`, { method: 'PUT', body: json({ priority: '10' }) });
    expect(put.status).toBe(400);
    expect(await put.json()).toEqual({
      title: ['This field is required.'],
      status: ['This field is required.'],
    });
    const doc = (await page('/api/lab_orders?page_size=1')).results[0];
    expect((await api(`/api/lab_orders/${doc?.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/api/lab_orders/${doc?.id}`)).status).toBe(404);
  });

  it('updates a consent signature by PATCH on the collection (patient + consent form), never creating one', async () => {
    const [signed] = (await page('/api/signed_consent_forms?page_size=1')).results;
    const count = async () => (await page('/api/signed_consent_forms?page_size=250')).results.length;
    const before = await count();
    const patch = (query: string, body: unknown) =>
      api(`/api/signed_consent_forms${query}`, { method: 'PATCH', body: json(body) });
    const url = 'https://files.example.org/signature-2.png';
    expect(
      (
        await patch(`?patient=${signed?.patient}`, {
          consent_form: signed?.consent_form,
          signature_file: url,
        })
      ).status,
    ).toBe(204);
    expect(await (await api(`/api/signed_consent_forms/${signed?.id}`)).json()).toMatchObject({
      signature_file: url,
      patient: signed?.patient,
    });
    const missing = await patch('', { signature_file: url });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      patient: ['This field is required.'],
      consent_form: ['This field is required.'],
    });
    expect((await patch(`?patient=${signed?.patient}`, { consent_form: 1 })).status).toBe(404);
    expect(await count()).toBe(before);

    // `id` (required in DrChrono's OpenAPI) narrows it to one signature: a second signature of the
    // same form by the same patient stays as it is; an id that is not that signature matches none.
    const second = (await (
      await api('/api/signed_consent_forms', {
        method: 'POST',
        body: json({
          patient: signed?.patient,
          appointment: signed?.appointment,
          consent_form: signed?.consent_form,
          signature_file: url,
        }),
      })
    ).json()) as { id: number };
    const only = 'https://files.example.org/signature-3.png';
    expect(
      (
        await patch(`?id=${signed?.id}&patient=${signed?.patient}`, {
          consent_form: signed?.consent_form,
          signature_file: only,
        })
      ).status,
    ).toBe(204);
    expect(await (await api(`/api/signed_consent_forms/${signed?.id}`)).json()).toMatchObject({
      signature_file: only,
    });
    expect(await (await api(`/api/signed_consent_forms/${second.id}`)).json()).toMatchObject({
      signature_file: url,
    });
    expect(
      (await patch(`?id=1&patient=${signed?.patient}`, { consent_form: signed?.consent_form })).status,
    ).toBe(404);
  });

  it("derives a CQM entry's read-only names from its codes on create and update", async () => {
    const patient = sim.dataset?.idOf('patients', 0);
    const created = await api('/api/patient_risk_assessments', {
      method: 'POST',
      body: json({
        patient,
        doctor: doctor(),
        code: '73830-2',
        code_system: 'LOINC',
        value_code: '723505004',
        name: 'ignored',
      }),
    });
    expect(created.status).toBe(201);
    const entry = await created.json();
    expect(entry).toMatchObject({ name: 'Fall risk assessment', value_name: 'Low risk' });
    await api(`/api/patient_risk_assessments/${entry.id}`, {
      method: 'PATCH',
      body: json({ value_code: '000' }),
    });
    expect(await (await api(`/api/patient_risk_assessments/${entry.id}`)).json()).toMatchObject({
      name: 'Fall risk assessment',
      value_name: '',
    });
  });

  it('creates many from an array body, or none when one item is invalid', async () => {
    const patient = sim.dataset?.idOf('patients', 1);
    const ok = await api('/api/allergies', {
      method: 'POST',
      body: json([
        { doctor: doctor(), patient, description: 'Penicillin' },
        { doctor: doctor(), patient, description: 'Latex' },
      ]),
    });
    expect(ok.status).toBe(201);
    expect((await ok.json()).map((a: { description: string }) => a.description)).toEqual([
      'Penicillin',
      'Latex',
    ]);
    const bad = await api('/api/allergies', {
      method: 'POST',
      body: json([
        { doctor: doctor(), patient },
        { doctor: doctor(), status: 'maybe' },
      ]),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual([
      {},
      { patient: ['This field is required.'], status: ['"maybe" is not a valid choice.'] },
    ]);
  });

  it('answers field-keyed validation errors', async () => {
    const res = await api('/api/patients', { method: 'POST', body: json({ first_name: 'Only' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      gender: ['This field is required.'],
      doctor: ['This field is required.'],
    });
    const typed = await api('/api/patients', {
      method: 'POST',
      body: json({ gender: 'Male', doctor: 'abc' }),
    });
    expect(await typed.json()).toEqual({ doctor: ['A valid integer is required.'] });
  });

  it('rejects a duplicate patient (same names, birth date, gender) unless allow_duplicates=true', async () => {
    const body = json({
      first_name: 'Iris',
      last_name: 'Dupont',
      date_of_birth: '1980-05-06',
      gender: 'Female',
      doctor: doctor(),
    });
    const first = await api('/api/patients', { method: 'POST', body });
    expect(first.status).toBe(201);
    expect((await first.json()).chart_id).toMatch(/^DUPO\d{6}$/);
    const again = await api('/api/patients', { method: 'POST', body });
    expect(again.status).toBe(409);
    expect((await again.json()).detail).toMatch(/allow_duplicates/);
    expect((await api('/api/patients?allow_duplicates=true', { method: 'POST', body })).status).toBe(201);
  });

  it('checks appointment exam rooms and overlaps (allow_overlapping bypasses)', async () => {
    const office = sim.dataset?.idOf('offices', 0);
    const patient = sim.dataset?.idOf('patients', 0);
    const base = { doctor: doctor(), patient, office, scheduled_time: '2031-05-05T10:00:00', duration: 30 };
    expect(
      (await api('/api/appointments', { method: 'POST', body: json({ ...base, exam_room: 99 }) })).status,
    ).toBe(400);
    expect(
      (await api('/api/appointments', { method: 'POST', body: json({ ...base, exam_room: 1 }) })).status,
    ).toBe(201);
    const clash = await api('/api/appointments', {
      method: 'POST',
      body: json({ ...base, exam_room: 1, scheduled_time: '2031-05-05T10:15:00' }),
    });
    expect(clash.status).toBe(409);
    const forced = await api('/api/appointments', {
      method: 'POST',
      body: json({ ...base, exam_room: 1, scheduled_time: '2031-05-05T10:15:00', allow_overlapping: true }),
    });
    expect(forced.status).toBe(201);
    expect(typeof (await forced.json()).id).toBe('string');
  });

  it('soft-deletes appointments: hidden from lists unless show_archived', async () => {
    const appt = (await page('/api/appointments?date_range=2025-01-01/2025-01-31&page_size=1')).results[0];
    expect((await api(`/api/appointments/${appt?.id}`, { method: 'DELETE' })).status).toBe(204);
    const visible = (
      await page('/api/appointments?date_range=2025-01-01/2025-01-31&page_size=250')
    ).results.map((a) => a.id);
    expect(visible).not.toContain(appt?.id);
    const archived = (
      await page('/api/appointments?date_range=2025-01-01/2025-01-31&page_size=250&show_archived=true')
    ).results;
    expect(archived.find((a) => a.id === appt?.id)?.deleted_flag).toBe(true);
  });

  it('answers 405 for methods a row does not allow and 404 for unknown ids', async () => {
    const res = await api('/api/transactions', { method: 'POST', body: json({}) });
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({ detail: 'Method "POST" not allowed.' });
    expect((await api('/api/medications/1', { method: 'DELETE' })).status).toBe(405);
    expect((await api('/api/patients/12')).status).toBe(404);
    expect((await api('/api/patients/abc')).status).toBe(404);
    expect((await api('/api/nothing_here')).status).toBe(404);
  });
});

describe('DrChrono extras', () => {
  it('runs bulk *_list jobs: POST → uuid, GET ?uuid= → pages; unknown uuid → 400', async () => {
    const started = await api('/api/patients_list?since=2000-01-01&page_size=1000&order_by=updated_at', {
      method: 'POST',
    });
    expect(started.status).toBe(201);
    const job = await started.json();
    expect(job).toMatchObject({ status: 'In progress' });
    expect(job.description).toContain(`/api/patients_list?uuid=${job.uuid}`);
    const done = await (await api(`/api/patients_list?uuid=${job.uuid}`)).json();
    expect(done.status).toBe('Complete');
    expect(done.pagination).toMatchObject({ page: 1, pages: 1, page_size: 1000 });
    const stamps = done.results.map((r: { updated_at: string }) => r.updated_at);
    expect(stamps).toEqual([...stamps].sort());
    const bad = await api('/api/patients_list?uuid=nope');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ detail: 'Invalid uuid specified' });
  });

  it('adds exam rooms, appends pharmacy notes and redirects /api/users/current', async () => {
    const office = sim.dataset?.idOf('offices', 0);
    const added = await api(`/api/offices/${office}/add_exam_room`, {
      method: 'POST',
      body: json({ name: 'Room X' }),
    });
    expect(added.status).toBe(201);
    expect((await added.json()).exam_rooms.at(-1)).toMatchObject({ name: 'Room X' });
    const med = (await page('/api/medications?page_size=1')).results[0];
    expect(
      (
        await api(`/api/medications/${med?.id}/append_to_pharmacy_note`, {
          method: 'PATCH',
          body: json({ text: 'Call first' }),
        })
      ).status,
    ).toBe(204);
    expect((await (await api(`/api/medications/${med?.id}`)).json()).pharmacy_note).toContain('Call first');
    expect(
      (await api(`/api/medications/${med?.id}/append_to_pharmacy_note`, { method: 'PATCH', body: json({}) }))
        .status,
    ).toBe(400);
    const current = await api('/api/users/current');
    expect(current.status).toBe(302);
    expect(current.headers.get('location')).toMatch(/\/api\/users\/\d+$/);
  });

  it('keeps yellow notepads per appointment and template', async () => {
    const missing = await api('/api/yellow_notepad?appointment_id=1');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ template_id: ['This field is required.'] });
    const created = await api('/api/yellow_notepad', {
      method: 'POST',
      body: json({ appointment_id: 5, template_id: 9, content: 'Bring x-rays' }),
    });
    expect(created.status).toBe(201);
    expect((await (await api('/api/yellow_notepad?appointment_id=5&template_id=9')).json()).content).toBe(
      'Bring x-rays',
    );
    expect((await api('/api/yellow_notepad?appointment_id=5&template_id=8')).status).toBe(404);
  });

  it('logs hard-deleted line items in line_item_deletions', async () => {
    const item = (await page('/api/line_items?page_size=1')).results[0];
    expect((await api(`/api/line_items/${item?.id}`, { method: 'DELETE' })).status).toBe(204);
    const log = (await page('/api/line_item_deletions')).results;
    expect(log).toEqual([
      expect.objectContaining({ billing_line_item_id: item?.id, appointment_id: item?.appointment }),
    ]);
  });

  it('ticks: creates and updates trigger records so since-polls see them (also via /_admin/tick)', async () => {
    clock.advance(86_400_000);
    const today = new Date(clock()).toISOString().slice(0, 10);
    const before = (await page(`/api/patients?since=${today}`)).results.length;
    const result = sim.tick(200);
    expect(result.created + result.updated).toBeGreaterThan(150);
    const admin = await fetch(`${sim.url}/_admin/tick?count=20`, { method: 'POST' });
    expect(admin.status).toBe(200);
    const after = (await page(`/api/patients?since=${today}&page_size=250`)).results;
    expect(after.length).toBeGreaterThan(before);
    expect(after.every((p) => String(p.updated_at) >= today)).toBe(true);
  });

  it('ticks one resource through /_admin/tick?resource=: edits a mapped field, or appends to the audit log', async () => {
    const today = new Date(clock()).toISOString().slice(0, 10);
    const before = (await page(`/api/audit_log?since=${today}`)).results.length;
    const appended = await fetch(`${sim.url}/_admin/tick?count=2&resource=audit_log`, { method: 'POST' });
    expect(await appended.json()).toEqual({ created: 2, updated: 0 });
    expect((await page(`/api/audit_log?since=${today}`)).results).toHaveLength(before + 2);

    const paid = async () =>
      new Map(
        (await page(`/api/transactions?since=${today}&page_size=250`)).results.map((t) => [t.id, t.ins_paid]),
      );
    const paidBefore = await paid();
    const edited = await fetch(`${sim.url}/_admin/tick?count=1&resource=transactions`, { method: 'POST' });
    expect(await edited.json()).toEqual({ created: 0, updated: 1 });
    const changed = [...(await paid())].filter(([id, amount]) => paidBefore.get(id) !== amount);
    expect(changed).toHaveLength(1);
    const [id, amount] = changed[0] ?? [];
    // 1.25 more than before (the random ticks of the test before may have raised it already).
    const base = Number(sim.dataset?.idOf('transactions', 0));
    const previous =
      paidBefore.get(id) ?? sim.dataset?.record('transactions', Number(id) - base).record.ins_paid;
    const raises = (Number(amount) - Number(previous)) / 1.25;
    if (paidBefore.has(id)) expect(raises).toBeCloseTo(1, 6);
    else expect(raises - Math.round(raises)).toBeCloseTo(0, 6);
    expect(raises).toBeGreaterThanOrEqual(1);

    const unknown = await fetch(`${sim.url}/_admin/tick?count=1&resource=no_such_thing`, { method: 'POST' });
    expect(unknown.status).toBe(404);
  });
});

describe('DrChrono simulator options', () => {
  it('serves seed records alone with patients: 0, and refuses a bad seed file clearly', async () => {
    const seeded = await startDrChronoSimulator({
      patients: 0,
      rateLimits: false,
      seedRecords: {
        patients: [{ id: 500, first_name: 'Seeded', last_name: 'Only', gender: 'Female', doctor: 1 }],
      },
    });
    try {
      const token = seeded.issueAccessToken().accessToken;
      const body = await (
        await looseFetch(`${seeded.url}/api/patients`, { headers: { authorization: `Bearer ${token}` } })
      ).json();
      expect(body.results.map((p: { id: number }) => p.id)).toEqual([500]);
      expect(seeded.tick(5).updated + seeded.tick(5).created).toBeGreaterThan(0);
    } finally {
      await seeded.close();
    }
    await expect(
      startDrChronoSimulator({ seedRecords: { patients: [{ gender: 'Robot' }] } }),
    ).rejects.toThrow(/invalid DrChrono seed records: patients\[0\]\.doctor: required/);
  });

  it('ticks on its own timer with tickEveryMs', async () => {
    const timed = await startDrChronoSimulator({ patients: 10, rateLimits: false, tickEveryMs: 10 });
    try {
      const token = timed.issueAccessToken().accessToken;
      const today = new Date().toISOString().slice(0, 10);
      const count = async () =>
        (
          await (
            await looseFetch(`${timed.url}/api/patients?since=${today}`, {
              headers: { authorization: `Bearer ${token}` },
            })
          ).json()
        ).results.length;
      const deadline = Date.now() + 3000;
      while ((await count()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await count()).toBeGreaterThan(0);
    } finally {
      await timed.close();
    }
  });
});
