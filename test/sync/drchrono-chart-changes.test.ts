import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogRow } from '../../src/connectors/connector.ts';
import { DRCHRONO_CATALOG } from '../../src/connectors/drchrono/catalog.ts';
import { loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import type { Change, Connection } from '../../src/store/port.ts';
import { createSyncEngine, type SyncEngine } from '../../src/sync/sync-engine.ts';
import { connectDrChrono, memoryStore } from '../connectors/helpers.ts';
import { type GatewayHttp, startGatewayHttp } from '../support/graphql-http.ts';
import { changesAfter, projectMappings, realConnectors, silentLog } from './real-sources.ts';

type Loose = Record<string, unknown>;
const HOUR = 3_600_000;

/**
 * Live changes of DrChrono's paced chart and configuration rows after the backfill, against the
 * simulator over HTTP, the real connector and store, and the sync engine as the demo runs it: a
 * care team member added in DrChrono becomes exactly one created CareTeam; an implantable device
 * archived at the practice and a signature archived through DrChrono's API become exactly one
 * tombstone each (the `deletedWhen: archived` of their rows); an archived blank consent form is
 * retired (an update: signed forms still name it), not deleted. Each time the whole run gives that
 * one change and nothing else, the store and GraphQL read a tombstone as deleted, and the next
 * poll gives none.
 */
describe('DrChrono chart changes after the backfill', () => {
  const store = memoryStore();
  const connectors = realConnectors(store, { limits: 'off' });
  let sim: RunningDrChronoSimulator;
  let connection: Connection;
  let engine: SyncEngine;
  let headers: Record<string, string>;
  let gateway: GatewayHttp;
  let apiKey: string;
  // The sync's clock, moved past the paced rows' hour so they are due again.
  let shift = 0;
  let cursor: string | undefined;

  const rowOf = (key: string) => DRCHRONO_CATALOG.find((r) => r.key === key) as CatalogRow;
  const list = async (key: string, query = ''): Promise<Loose[]> => {
    const out: Loose[] = [];
    let url: string | undefined = `${sim.url}${rowOf(key).path}?page_size=250${query}`;
    while (url) {
      const page = (await (await fetch(url, { headers })).json()) as {
        results: Loose[];
        next: string | null;
      };
      out.push(...page.results);
      url = page.next ?? undefined;
    }
    return out;
  };
  const mapped = (key: string, record: unknown): Resource[] => {
    const result = projectMappings().forward('drchrono', rowOf(key).entity, record, {
      tenant: connection.tenant,
      connectionId: connection.id,
      source: 'drchrono',
    });
    if (!result.ok) throw new Error(`${key} record does not map`);
    return result.resources;
  };
  /** The one record of `key` that differs between two listings (added or changed). */
  const differing = (before: Loose[], after: Loose[]): Loose[] => {
    const was = new Map(before.map((r) => [String(r.id), JSON.stringify(r)]));
    return after.filter((r) => was.get(String(r.id)) !== JSON.stringify(r));
  };
  const tick = async (resource: string, change?: 'archive') => {
    const res = await fetch(
      `${sim.url}/_admin/tick?count=1&resource=${resource}${change ? `&change=${change}` : ''}`,
      { method: 'POST' },
    );
    expect(res.status, resource).toBe(200);
  };
  /** One sync run an hour (and a minute) later than the last: every paced row is due. */
  const runLater = async (): Promise<Change[]> => {
    shift += HOUR + 60_000;
    const result = await engine.runOnce(connection.tenant, connection.id);
    expect(result.outcome, JSON.stringify(result.rows.filter((r) => r.error))).toBe('completed');
    const step = await changesAfter(store, cursor);
    cursor = step.cursor;
    return step.changes;
  };
  const expectQuietRepoll = async () => expect(await runLater()).toEqual([]);
  /** `X(id)` over the gateway's GraphQL: the id, or the error code. */
  const readOverGraphQL = async (resource: Resource) => {
    const { body } = await gateway.post(apiKey, {
      query: `{ ${resource.resourceType}(id: "${resource.id}") { id } }`,
    });
    return body.errors?.[0]?.extensions?.code ?? (body.data?.[resource.resourceType] as { id?: string })?.id;
  };

  beforeAll(async () => {
    sim = await startDrChronoSimulator({ seed: 47, patients: 4, rateLimits: false });
    connection = await connectDrChrono(store, sim, { tenant: 't-chart-live', id: 'drchrono-live' });
    headers = {
      authorization: `Bearer ${sim.issueAccessToken().accessToken}`,
      'content-type': 'application/json',
    };
    engine = createSyncEngine({
      store,
      mappings: projectMappings(),
      log: silentLog,
      holder: 'chart-live-test',
      connectors,
      now: () => new Date(Date.now() + shift),
    });
    gateway = await startGatewayHttp({ store, definitions: loadFhirDefinitions() });
    apiKey = await gateway.keyFor(connection.tenant);
    const backfill = await engine.runOnce(connection.tenant, connection.id);
    expect(backfill.outcome).toBe('completed');
    cursor = (await changesAfter(store, undefined)).cursor;
    // A quiet hour first: the paced rows' first incremental poll adds nothing by itself.
    await expectQuietRepoll();
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    await gateway?.close();
    await sim?.close();
    store.close();
  });

  it('a care team member added in DrChrono is one created CareTeam (live, no trigger); a re-poll adds none', async () => {
    const before = await list('care_team_members');
    await tick('care_team_members');
    const [added, ...others] = differing(before, await list('care_team_members'));
    expect(others).toEqual([]);
    expect(before.some((r) => r.id === added?.id)).toBe(false);
    const [careTeam] = mapped('care_team_members', added);

    const changes = await runLater();
    expect(changes).toEqual([
      expect.objectContaining({
        type: 'CareTeam',
        id: careTeam?.id,
        action: 'created',
        backfill: false,
        connection: connection.id,
        previousVersionId: undefined,
        triggers: [],
      }),
    ]);
    const stored = await store.resources.read(connection.tenant, 'CareTeam', careTeam?.id ?? '');
    expect(stored?.deleted).toBe(false);
    expect(stored?.resource).toMatchObject({
      subject: (careTeam as { subject?: unknown }).subject,
      participant: [{ member: { reference: expect.stringMatching(/^PractitionerRole\//) } }],
    });
    await expectQuietRepoll();
  });

  it('links each synced appointment to the stored appointment profile it was booked with', async () => {
    // DrChrono lists appointments only with a date filter.
    const appointments = (await list('appointments', '&since=2000-01-01')).filter(
      (r) => r.profile && r.appt_is_break !== true,
    );
    const profiles = await list('appointment_profiles');
    expect(appointments.length).toBeGreaterThan(0);
    for (const record of appointments) {
      const appointment = mapped('appointments', record).find((r) => r.resourceType === 'Appointment');
      const stored = await store.resources.read(connection.tenant, 'Appointment', appointment?.id ?? '');
      const [profile] = mapped(
        'appointment_profiles',
        profiles.find((p) => p.id === record.profile),
      );
      expect(stored?.resource).toMatchObject({
        supportingInformation: [{ reference: `ActivityDefinition/${profile?.id}` }],
      });
      const target = await store.resources.read(connection.tenant, 'ActivityDefinition', profile?.id ?? '');
      expect(target?.resource).toMatchObject({ kind: 'Appointment' });
    }
  });

  /** Archives one record of `key` by `archive` and answers the resources it mapped to before. */
  const archiveOne = async (key: string, archive: () => Promise<void>) => {
    const before = await list(key);
    await archive();
    const [archived, ...others] = differing(before, await list(key));
    expect(others).toEqual([]);
    expect(archived?.archived).toBe(true);
    const was = before.find((r) => r.id === archived?.id);
    expect(was?.archived).not.toBe(true);
    // The same ids whether mapped archived or not: the tombstone names what was stored.
    return mapped(key, was);
  };
  const expectOneTombstone = async (resources: Resource[]) => {
    expect(resources).toHaveLength(1);
    const [resource] = resources as [Resource];
    const live = await store.resources.read(connection.tenant, resource.resourceType, resource.id ?? '');
    expect(live?.deleted).toBe(false);
    expect(await readOverGraphQL(resource)).toBe(resource.id);

    const changes = await runLater();
    expect(changes).toEqual([
      expect.objectContaining({
        type: resource.resourceType,
        id: resource.id,
        action: 'deleted',
        backfill: false,
        connection: connection.id,
        previousVersionId: live?.versionId,
        triggers: [],
      }),
    ]);
    const gone = await store.resources.read(connection.tenant, resource.resourceType, resource.id ?? '');
    expect(gone?.deleted).toBe(true);
    const page = await store.resources.list(connection.tenant, resource.resourceType, { limit: 1000 });
    expect(page.items.map((item) => item.id)).not.toContain(resource.id);
    expect(await readOverGraphQL(resource)).toBe('DELETED');
    await expectQuietRepoll();
  };

  it('an implantable device archived at the practice is one tombstone of its Device; a re-poll adds none', async () => {
    const device = await archiveOne('implantable_devices', () => tick('implantable_devices', 'archive'));
    expect(device.map((r) => r.resourceType)).toEqual(['Device']);
    await expectOneTombstone(device);
  });

  it("a signed consent form archived through DrChrono's API is one tombstone of its DocumentReference; a re-poll adds none", async () => {
    const signature = await archiveOne('signed_consent_forms', async () => {
      const [one] = await list('signed_consent_forms');
      // DrChrono updates a signature by a PATCH on the collection, naming its patient and form.
      const res = await fetch(`${sim.url}/api/signed_consent_forms?id=${one?.id}&patient=${one?.patient}`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ consent_form: one?.consent_form, archived: true }),
      });
      expect(res.status).toBe(204);
    });
    expect(signature.map((r) => r.resourceType)).toEqual(['DocumentReference']);
    await expectOneTombstone(signature);
  });

  it('a blank consent form archived at the practice is retired (one update), not deleted: signed forms still name it', async () => {
    const [form] = await archiveOne('consent_forms', () => tick('consent_forms', 'archive'));
    const changes = await runLater();
    expect(changes).toEqual([
      expect.objectContaining({
        type: 'Questionnaire',
        id: form?.id,
        action: 'updated',
        backfill: false,
        triggers: [],
      }),
    ]);
    const stored = await store.resources.read(connection.tenant, 'Questionnaire', form?.id ?? '');
    expect(stored?.deleted).toBe(false);
    expect(stored?.resource).toMatchObject({ status: 'retired' });
    await expectQuietRepoll();
  });

  it('the simulator refuses to archive what DrChrono does not archive, and an unknown change; nothing changes', async () => {
    const refused = await fetch(`${sim.url}/_admin/tick?count=1&resource=problems&change=archive`, {
      method: 'POST',
    });
    expect(refused.status).toBe(404);
    const unknown = await fetch(`${sim.url}/_admin/tick?count=1&resource=problems&change=erase`, {
      method: 'POST',
    });
    expect(unknown.status).toBe(400);
    expect(await runLater()).toEqual([]);
  });
});
