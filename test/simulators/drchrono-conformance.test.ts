import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDrChronoSimulator } from '../../src/simulators/drchrono/index.ts';
import {
  type CheckOptions,
  checkAgainstSchema,
  type OpenApiSchema,
} from '../../src/simulators/drchrono/openapi-check.ts';
import { json, type LooseResponse, loadDrChronoOpenApi, startTestDrChrono } from './drchrono-helpers.ts';

/**
 * Every list and item the simulator serves is checked against DrChrono's own OpenAPI: the
 * `data` items schema of the list operation (we send the array as `results`, as the live API
 * and official client do) and the item GET schema.
 */
const openapi = loadDrChronoOpenApi();
const options: CheckOptions = {
  components: openapi.components.schemas as Record<string, OpenApiSchema>,
  nullAsAbsent: true,
  // The spec types Office.exam_rooms as a string; the API returns the list of rooms. Breaks
  // are appointments whose patient is null (the field's own description says so).
  allowedDeviations: ['Office.exam_rooms', 'Appointment.patient'],
};

type Operation = {
  responses?: Record<string, { content?: { 'application/json'?: { schema?: OpenApiSchema } } }>;
};
const responseSchema = (path: string, method: string, status: string): OpenApiSchema | undefined =>
  (openapi.paths[path]?.[method] as Operation | undefined)?.responses?.[status]?.content?.['application/json']
    ?.schema;

let sim: RunningDrChronoSimulator;
let api: (path: string, init?: RequestInit) => Promise<LooseResponse>;

beforeAll(async () => {
  ({ sim, api } = await startTestDrChrono({ patients: 30 }));
});
afterAll(() => sim.close());

describe('DrChrono simulator conforms to the vendor OpenAPI', () => {
  it('serves every list endpoint with records matching the list schema, and each item with the item schema', async () => {
    let checkedLists = 0;
    let checkedItems = 0;
    for (const endpoint of sim.catalog.endpoints) {
      if (endpoint.kind !== 'paged' || !endpoint.collectionMethods.includes('GET')) continue;
      const params = new URLSearchParams({ page_size: '5' });
      if (endpoint.requireOneOf.length) params.set('since', '2000-01-01');
      for (const p of endpoint.requiredParams) params.set(p, '1');
      const res = await api(`${endpoint.path}?${params}`);
      expect(res.status, endpoint.resource).toBe(200);
      const body = (await res.json()) as { previous: unknown; results: unknown[]; next: unknown };
      expect(Object.keys(body).sort(), endpoint.resource).toEqual(['next', 'previous', 'results']);
      const list = responseSchema(endpoint.path, 'get', '200');
      const items = list?.properties?.data?.items ?? list?.properties?.results?.items;
      if (items) {
        expect(
          checkAgainstSchema(body.results, { type: 'array', items }, options),
          endpoint.resource,
        ).toEqual([]);
        checkedLists++;
      }
      const first = body.results[0] as { id?: unknown } | undefined;
      const itemSchema = responseSchema(`${endpoint.path}/{id}`, 'get', '200');
      if (first?.id !== undefined && itemSchema && endpoint.itemMethods.includes('GET')) {
        const one = await api(`${endpoint.path}/${String(first.id)}`);
        expect(one.status, endpoint.resource).toBe(200);
        expect(checkAgainstSchema(await one.json(), itemSchema, options), endpoint.resource).toEqual([]);
        checkedItems++;
      }
    }
    expect(checkedLists).toBeGreaterThan(60);
    expect(checkedItems).toBeGreaterThan(50);
  });

  it('answers verbose patients and appointments within the schema, verbose fields included', async () => {
    const patients = await (await api('/api/patients?verbose=true&page_size=3')).json();
    expect(patients.results[0]).toHaveProperty('primary_insurance');
    const appts = await (await api('/api/appointments?since=2000-01-01&verbose=true')).json();
    expect(appts.results[0]).toHaveProperty('vitals');
    for (const [path, body] of [
      ['/api/patients', patients],
      ['/api/appointments', appts],
    ] as const) {
      const items = responseSchema(path, 'get', '200')?.properties?.data?.items as OpenApiSchema;
      expect(checkAgainstSchema(body.results, { type: 'array', items }, options)).toEqual([]);
    }
  });

  it('returns created records that match the 201 schema', async () => {
    const doctor = sim.dataset?.idOf('doctors', 0);
    const patient = sim.dataset?.idOf('patients', 0);
    const office = sim.dataset?.idOf('offices', 0);
    const cases: [string, unknown][] = [
      [
        '/api/patients',
        {
          first_name: 'Ada',
          last_name: 'Conformance',
          gender: 'Female',
          doctor,
          date_of_birth: '1990-02-03',
        },
      ],
      [
        '/api/appointments',
        { doctor, patient, office, exam_room: 1, scheduled_time: '2030-01-02T09:00:00', duration: 30 },
      ],
      ['/api/tasks', { title: 'Call back', status: sim.dataset?.idOf('task_statuses', 0) }],
      ['/api/medications', { doctor, patient, name: 'Lisinopril 10 MG Oral Tablet', rxnorm: '314076' }],
      ['/api/lab_orders', { doctor, patient, sublab: sim.dataset?.idOf('sublabs', 0) }],
    ];
    for (const [path, body] of cases) {
      const res = await api(path, { method: 'POST', body: json(body) });
      expect(res.status, path).toBe(201);
      const schema = responseSchema(path, 'post', '201') as OpenApiSchema;
      expect(checkAgainstSchema(await res.json(), schema, options), path).toEqual([]);
    }
  });
});
