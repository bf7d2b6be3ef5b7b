import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import type { Connection } from '../../src/store/port.ts';
import { connectDrChrono } from '../connectors/helpers.ts';
import {
  changesOf,
  firstOf,
  type MutationGateway,
  nativeIdOf,
  startMutationGateway,
} from './mutation-harness.ts';

const TENANT = 'drc-mut';
type Loose = Record<string, unknown>;
type Created = Resource & { id: string; gatewayProvenance: { nativeId: string } };

/**
 * DrChrono's actions in issue 15's scope through GraphQL against the simulator over HTTP: the
 * simulator's state, the store and the change log (one event; the next poll emits nothing).
 */
describe('DrChrono mutations through GraphQL', () => {
  let sim: RunningDrChronoSimulator;
  let gateway: MutationGateway;
  let connection: Connection;
  let token: string;
  const native = async (path: string, id: unknown): Promise<Loose | undefined> => {
    const res = await fetch(`${sim.url}/api/${path}/${String(id)}?verbose=true`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return res.status === 404 ? undefined : ((await res.json()) as Loose);
  };
  const withoutStamp = (r: Loose | undefined) => {
    const { updated_at: _u, ...rest } = r ?? {};
    return rest;
  };
  const mutate = async (field: string, type: string, args: string, variables: Loose) => {
    const result = await gateway.gql(
      TENANT,
      `mutation(${args.includes('$patch') ? '$patch: JSON!' : `$res: ${type}Input!`}) { ${field}(${args}) { id gatewayProvenance { nativeId } } }`,
      variables,
    );
    return result;
  };
  /** Created once (one change), and a poll afterwards adds no change. */
  const expectOneChangeAfterPoll = async (type: string, id: string, actions: string[]) => {
    expect((await changesOf(gateway.store, TENANT, type, id)).map((c) => c.action)).toEqual(actions);
    await gateway.poll(connection);
    expect((await changesOf(gateway.store, TENANT, type, id)).map((c) => c.action)).toEqual(actions);
  };

  beforeAll(async () => {
    sim = await startDrChronoSimulator({ seed: 43, patients: 2, rateLimits: false });
    token = sim.issueAccessToken().accessToken;
    gateway = await startMutationGateway();
    connection = await connectDrChrono(gateway.store, sim, { tenant: TENANT, id: 'drc-1' });
    await gateway.poll(connection);
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await sim?.close();
  });

  it('PatientCreate writes the demographics to DrChrono, stores one created change, and the next poll adds none', async () => {
    const doctor = await firstOf(gateway.store, TENANT, 'Practitioner');
    expect(nativeIdOf(doctor, connection)).toBeDefined();
    const result = await mutate(
      'PatientCreate',
      'Patient',
      'connection: "drc-1", idempotencyKey: "p-1", res: $res',
      {
        res: {
          name: [{ use: 'official', family: 'Mensah', given: ['Kofi'] }],
          gender: 'male',
          birthDate: '1975-09-30',
          generalPractitioner: [{ reference: `Practitioner/${doctor.id}` }],
        },
      },
    );
    expect(result.errors).toBeUndefined();
    const created = result.data?.PatientCreate as Created;
    expect(await native('patients', created.gatewayProvenance.nativeId)).toMatchObject({
      first_name: 'Kofi',
      last_name: 'Mensah',
      gender: 'Male',
      date_of_birth: '1975-09-30',
      doctor: Number(nativeIdOf(doctor, connection)),
    });
    await expectOneChangeAfterPoll('Patient', created.id, ['created']);
  });

  it('a field DrChrono refuses is named with the FHIR element it is made from; nothing is stored', async () => {
    const before = (await gateway.store.resources.list(TENANT, 'Patient', { limit: 1000 })).items.length;
    const result = await mutate(
      'PatientCreate',
      'Patient',
      'connection: "drc-1", idempotencyKey: "p-nodoc", res: $res',
      {
        res: { name: [{ family: 'Mensah', given: ['Ama'] }], gender: 'female', birthDate: '1980-01-02' },
      },
    );
    const error = result.errors?.[0];
    expect(error?.extensions?.code).toBe('VALIDATION');
    expect(error?.message).toContain('source code field:doctor');
    expect(error?.message).toContain('made from Patient.generalPractitioner');
    expect(error?.message).not.toContain('Mensah');
    expect((await gateway.store.resources.list(TENANT, 'Patient', { limit: 1000 })).items).toHaveLength(
      before,
    );
  });

  it('PatientPatch changes only that field in DrChrono; one updated change, none from the next poll', async () => {
    const patient = await firstOf(gateway.store, TENANT, 'Patient');
    const nativeId = nativeIdOf(patient, connection);
    const before = await native('patients', nativeId);
    const result = await mutate(
      'PatientPatch',
      'Patient',
      `id: "${patient.id}", idempotencyKey: "pp-1", patch: $patch`,
      {
        patch: { birthDate: '1961-02-03' },
      },
    );
    expect(result.errors).toBeUndefined();
    expect(withoutStamp(await native('patients', nativeId))).toEqual({
      ...withoutStamp(before),
      date_of_birth: '1961-02-03',
    });
    await expectOneChangeAfterPoll('Patient', patient.id as string, ['created', 'updated']);
  });

  it('CommunicationCreate of a task note goes to /api/task_notes (routed by its category); an unmarked one is refused before any call', async () => {
    const task = await firstOf(gateway.store, TENANT, 'Task');
    const result = await mutate(
      'CommunicationCreate',
      'Communication',
      'connection: "drc-1", idempotencyKey: "n-1", res: $res',
      {
        res: {
          status: 'completed',
          category: [
            { coding: [{ system: 'urn:fhir-gateway:codesystem:drchrono:message-kind', code: 'task-note' }] },
          ],
          about: [{ reference: `Task/${task.id}` }],
          payload: [{ contentString: 'Faxed the referral' }],
        },
      },
    );
    expect(result.errors).toBeUndefined();
    const created = result.data?.CommunicationCreate as Created;
    expect(await native('task_notes', created.gatewayProvenance.nativeId)).toMatchObject({
      task: Number(nativeIdOf(task, connection)),
      text: 'Faxed the referral',
    });
    await expectOneChangeAfterPoll('Communication', created.id, ['created']);

    const calls = sim.counters.total();
    const refused = await mutate(
      'CommunicationCreate',
      'Communication',
      'connection: "drc-1", idempotencyKey: "n-2", res: $res',
      {
        res: { status: 'completed', payload: [{ contentString: 'which record?' }] },
      },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION');
    expect(refused.errors?.[0]?.message).toContain('must say which record it is');
    expect(sim.counters.total()).toBe(calls);
  });

  it('DocumentReferenceCreate, then DocumentReferencePatch: the description changes, the file and the rest stay', async () => {
    const patient = (await firstOf(gateway.store, TENANT, 'Patient')) as Resource & {
      generalPractitioner: { reference: string }[];
    };
    // The patient's doctor (a Practitioner from /api/doctors; staff are Practitioners too).
    const doctor = { id: patient.generalPractitioner[0]?.reference.split('/')[1] };
    const result = await mutate(
      'DocumentReferenceCreate',
      'DocumentReference',
      'connection: "drc-1", idempotencyKey: "d-1", res: $res',
      {
        res: {
          status: 'current',
          description: 'Imaging report',
          type: { coding: [{ system: 'http://loinc.org', code: '11503-0' }] },
          subject: { reference: `Patient/${patient.id}` },
          author: [{ reference: `Practitioner/${doctor.id}` }],
          content: [
            { attachment: { url: 'https://files.example.org/imaging-7.pdf', creation: '2031-03-04' } },
          ],
        },
      },
    );
    expect(result.errors).toBeUndefined();
    const created = result.data?.DocumentReferenceCreate as Created;
    const before = await native('documents', created.gatewayProvenance.nativeId);
    expect(before).toMatchObject({ description: 'Imaging report', date: '2031-03-04' });
    const patched = await mutate(
      'DocumentReferencePatch',
      'DocumentReference',
      `id: "${created.id}", idempotencyKey: "d-2", patch: $patch`,
      {
        patch: { description: 'Imaging report (final)' },
      },
    );
    expect(patched.errors).toBeUndefined();
    expect(withoutStamp(await native('documents', created.gatewayProvenance.nativeId))).toEqual({
      ...withoutStamp(before),
      description: 'Imaging report (final)',
    });
    await expectOneChangeAfterPoll('DocumentReference', created.id, ['created', 'updated']);
  });
});
