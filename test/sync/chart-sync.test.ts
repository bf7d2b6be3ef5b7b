import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogRow } from '../../src/connectors/connector.ts';
import { DRCHRONO_CATALOG } from '../../src/connectors/drchrono/catalog.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import type { Connection } from '../../src/store/port.ts';
import { createSyncEngine, type SyncEngine } from '../../src/sync/sync-engine.ts';
import { connectDrChrono, memoryStore } from '../connectors/helpers.ts';
import { DRCHRONO_CHART_ROWS } from './drchrono-chart-rows.ts';
import { changesAfter, projectMappings, realConnectors, silentLog } from './real-sources.ts';

/**
 * DrChrono's chart (issue 13's mappings) synced by its catalog rows, against the simulator over
 * HTTP into a real store: the backfill brings every record the API lists; chart rows are paced
 * (not re-read every run) until their interval has passed; a record changed at the simulator then
 * appears once and a re-poll adds none; a hard deletion is seen by the full scan's set difference;
 * references from chart resources resolve to stored resources.
 */
const CHART = DRCHRONO_CHART_ROWS;
const HOUR = 3_600_000;

/** How someone at the practice changes one record of each chart row: an API PATCH (field, value)… */
const PATCHES: Readonly<Record<string, Record<string, unknown>>> = {
  problems: { notes: 'Reviewed at follow-up' },
  medications: { signature_note: 'Take with food' },
  allergies: { notes: 'Confirmed by patient' },
  patient_vaccine_records: { comments: 'Second dose due' },
  patient_lab_results: { doctor_comments: 'Discussed with patient' },
  lab_tests: { report_notes: 'Reviewed' },
  lab_results: { comments: 'Repeat in 3 months' },
  sublabs: { name: 'Main Street Draw Station' },
  amendments: { comments: 'Corrected spelling' },
  patient_communications: { effective_time: '2026-11-02T10:30:00' },
  patient_interventions: { effective_time: '2026-11-02T10:30:00' },
  patient_physical_exams: { effective_time: '2026-11-02T10:30:00' },
  patient_risk_assessments: { effective_time: '2026-11-02T10:30:00' },
  clinical_notes: {},
};
/** …or, for records the API cannot write, the practice itself (the simulator's tick, edits as data). */
const TICKED = [
  'care_plans',
  'procedures',
  'eobs',
  'eligibility_checks',
  'patient_authorizations',
  'implantable_devices',
];
/**
 * Not changed here: a care team member's mapped fields (patient, user, visit, created_at) never
 * change in DrChrono; clinical notes and signed consent forms cannot be edited through the API by id.
 */
const UNCHANGED = ['care_team_members', 'clinical_notes', 'signed_consent_forms'];
/** Hard DELETEs the API offers on chart rows read whole. */
const DELETED = ['amendments', 'lab_results', 'patient_lab_results'];

describe('DrChrono chart sync', () => {
  const store = memoryStore();
  // Paths DrChrono refuses for now (403), to fail one row's poll.
  const refused = new Set<string>();
  const refusing: typeof fetch = (input, init) =>
    refused.has(new URL(String(input)).pathname)
      ? Promise.resolve(Response.json({ detail: 'forbidden' }, { status: 403 }))
      : fetch(input, init);
  const connectors = realConnectors(store, { limits: 'off', fetch: refusing });
  let sim: RunningDrChronoSimulator;
  let connection: Connection;
  let engine: SyncEngine;
  let headers: Record<string, string>;
  // The sync's clock: moved past the chart rows' interval to make them due again.
  let shift = 0;
  const scope = () => ({
    tenant: connection.tenant,
    connectionId: connection.id,
    source: 'drchrono' as const,
  });
  const run = async () => {
    const result = await engine.runOnce(connection.tenant, connection.id);
    expect(result.outcome, JSON.stringify(result.rows.filter((r) => r.error))).toBe('completed');
    return result;
  };
  const list = async (row: CatalogRow): Promise<Array<Record<string, unknown>>> => {
    const out: Array<Record<string, unknown>> = [];
    let url: string | undefined = `${sim.url}${row.path}?page_size=250`;
    while (url) {
      const page = (await (await fetch(url, { headers })).json()) as {
        results: Array<Record<string, unknown>>;
        next: string | null;
      };
      out.push(...page.results);
      url = page.next ?? undefined;
    }
    return out;
  };
  const mapped = (row: CatalogRow, record: unknown): Resource[] => {
    const result = projectMappings().forward('drchrono', row.entity, record, scope());
    return result.ok ? result.resources : [];
  };
  let backfill: Awaited<ReturnType<typeof run>>;
  let cursor: string | undefined;

  beforeAll(async () => {
    sim = await startDrChronoSimulator({ seed: 31, patients: 4, rateLimits: false });
    connection = await connectDrChrono(store, sim, { tenant: 't-chart', id: 'drchrono-chart' });
    headers = {
      authorization: `Bearer ${sim.issueAccessToken().accessToken}`,
      'content-type': 'application/json',
    };
    engine = createSyncEngine({
      store,
      mappings: projectMappings(),
      log: silentLog,
      holder: 'chart-test',
      connectors,
      now: () => new Date(Date.now() + shift),
    });
    backfill = await run();
    cursor = (await changesAfter(store, undefined)).cursor;
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    await sim?.close();
    store.close();
  });

  // Insurances: a payer directory; note field values: the note's text (not stored twice); the
  // yellow notepad: no list, read by its keys.
  const NOT_POLLED_BY_CHOICE = ['insurances', 'clinical_note_field_values', 'yellow_notepad'];
  it('has a polled row for every mapped DrChrono entity (but those not polled by choice)', () => {
    const dir = join(import.meta.dirname, '../../mappings/drchrono');
    const entities = new Set(
      readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => /^entity:\s*(\S+)/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1]),
    );
    const polled = new Set(DRCHRONO_CATALOG.filter((r) => r.polledBy === undefined).map((r) => r.entity));
    for (const entity of entities)
      if (!NOT_POLLED_BY_CHOICE.includes(entity ?? '')) expect(polled.has(entity ?? ''), entity).toBe(true);
    expect(CHART.length).toBeGreaterThanOrEqual(22);
  });

  it.each(CHART.map((r) => [r.key, r] as const))(
    'backfills %s: every record the API lists is stored',
    async (_key, row) => {
      expect(backfill.rows.find((r) => r.row === row.key)?.backfill, row.key).toBe(true);
      const records = await list(row);
      expect(records.length, `${row.key} holds records at the simulator`).toBeGreaterThan(0);
      let stored = 0;
      for (const record of records) {
        for (const resource of mapped(row, record)) {
          expect(
            await store.resources.read(connection.tenant, resource.resourceType, resource.id ?? ''),
            `${resource.resourceType}`,
          ).toBeDefined();
          stored++;
        }
      }
      expect(stored, row.key).toBeGreaterThan(0);
    },
  );

  it('resolves the references of chart resources to stored Patients, Practitioners, roles and Encounters', async () => {
    const targets = new Set(['Patient', 'Practitioner', 'PractitionerRole', 'Encounter']);
    let checked = 0;
    for (const row of CHART) {
      for (const record of await list(row)) {
        for (const resource of mapped(row, record)) {
          const stored = await store.resources.read(
            connection.tenant,
            resource.resourceType,
            resource.id ?? '',
          );
          for (const reference of JSON.stringify(stored?.resource ?? {}).matchAll(
            /"reference":"([A-Za-z]+)\/([A-Za-z0-9.-]+)"/g,
          )) {
            const [, type = '', id = ''] = reference;
            if (!targets.has(type)) continue;
            expect(
              await store.resources.read(connection.tenant, type, id),
              `${row.key} → ${type}`,
            ).toBeDefined();
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('does not re-read chart rows before their interval: trigger rows are polled, chart rows wait', async () => {
    const again = await run();
    const polled = new Set(again.rows.map((r) => r.row));
    for (const row of CHART) expect(polled.has(row.key), row.key).toBe(false);
    expect(polled.has('patients')).toBe(true);
    expect(polled.has('appointments')).toBe(true);
    cursor = (await changesAfter(store, cursor)).cursor;
  });

  it('polls each chart row incrementally once due: a changed record appears once, a re-poll adds none', async () => {
    const changed = new Map<string, Resource[]>();
    for (const row of CHART) {
      const patch = PATCHES[row.key];
      if (patch && Object.keys(patch).length > 0) {
        const [record] = await list(row);
        const res = await fetch(`${sim.url}${row.path}/${record?.id}`, {
          method: 'PATCH',
          headers,
          body: JSON.stringify(patch),
        });
        expect(res.status, row.key).toBeLessThan(300);
        const after = await (await fetch(`${sim.url}${row.path}/${record?.id}`, { headers })).json();
        changed.set(row.key, mapped(row, after));
      }
    }
    for (const key of TICKED) {
      const before = new Map(
        (await list(CHART.find((r) => r.key === key) as CatalogRow)).map((r) => [
          String(r.id),
          JSON.stringify(r),
        ]),
      );
      const res = await fetch(`${sim.url}/_admin/tick?count=1&resource=${key}`, { method: 'POST' });
      expect(res.ok, key).toBe(true);
      const row = CHART.find((r) => r.key === key) as CatalogRow;
      const touched = (await list(row)).find((r) => before.get(String(r.id)) !== JSON.stringify(r));
      expect(touched, key).toBeDefined();
      changed.set(key, mapped(row, touched));
    }
    for (const row of CHART) {
      if (!UNCHANGED.includes(row.key)) expect(changed.has(row.key), `${row.key} has a change`).toBe(true);
    }

    shift += HOUR + 60_000;
    const live = await run();
    for (const row of CHART) expect(live.rows.find((r) => r.row === row.key)?.backfill, row.key).toBe(false);
    const step = await changesAfter(store, cursor);
    cursor = step.cursor;
    for (const [key, resources] of changed) {
      for (const resource of resources) {
        const events = step.changes.filter((c) => c.type === resource.resourceType && c.id === resource.id);
        expect(events, `${key} ${resource.resourceType}`).toHaveLength(1);
        expect(events[0]).toMatchObject({ action: 'updated', backfill: false, connection: connection.id });
      }
    }

    shift += HOUR + 60_000;
    const repoll = await run();
    expect(repoll.rows.filter((r) => CHART.some((c) => c.key === r.row))).toHaveLength(CHART.length);
    const after = await changesAfter(store, cursor);
    cursor = after.cursor;
    expect(after.changes).toEqual([]);
  });

  it('tombstones chart records deleted at the source (seen by the full scan), once', async () => {
    const gone: Resource[] = [];
    for (const key of DELETED) {
      const row = CHART.find((r) => r.key === key) as CatalogRow;
      const [record] = await list(row);
      gone.push(...mapped(row, record));
      const res = await fetch(`${sim.url}${row.path}/${record?.id}`, { method: 'DELETE', headers });
      expect(res.status, key).toBeLessThan(300);
    }
    shift += HOUR + 60_000;
    await run();
    const step = await changesAfter(store, cursor);
    cursor = step.cursor;
    for (const resource of gone) {
      const events = step.changes.filter((c) => c.type === resource.resourceType && c.id === resource.id);
      expect(events, `${resource.resourceType}`).toHaveLength(1);
      expect(events[0]?.action).toBe('deleted');
      const stored = await store.resources.read(connection.tenant, resource.resourceType, resource.id ?? '');
      expect(stored?.deleted).toBe(true);
    }
    shift += HOUR + 60_000;
    await run();
    expect((await changesAfter(store, cursor)).changes).toEqual([]);
  });

  it('retries a chart row whose poll failed at the next run, without waiting for its interval', async () => {
    refused.add('/api/problems');
    shift += HOUR + 60_000;
    const failed = await engine.runOnce(connection.tenant, connection.id);
    expect(failed.outcome).toBe('partial');
    expect(failed.rows.find((r) => r.row === 'problems')?.error?.code).toBe('forbidden');
    refused.clear();
    // No time passes: the failed row is due again at once; the others wait their hour.
    const retried = await run();
    const problems = retried.rows.find((r) => r.row === 'problems');
    expect(problems).toBeDefined();
    expect(problems?.error).toBeUndefined();
    expect(retried.rows.some((r) => r.row === 'medications')).toBe(false);
    const after = await run();
    expect(after.rows.some((r) => r.row === 'problems')).toBe(false);
  });
});
