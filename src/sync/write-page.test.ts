import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogRow, TriggerDefinition } from '../connectors/connector.ts';
import { createIdentityScheme, gatewayId } from '../fhir/identity.ts';
import { loadMappingSet } from '../mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../mapping/mapping-definitions.ts';
import { conceptMap, writeMappingDir } from '../mapping/test-support.ts';
import type { Store } from '../store/port.ts';
import { createSecretBox } from '../store/secret-box.ts';
import { openSqliteStore } from '../store/sqlite/open-sqlite-store.ts';
import { createTriggerTagger } from './trigger-tagger.ts';
import { writePage } from './write-page.ts';

const defs = loadMappingDefinitions();
const mappings = loadMappingSet({
  dir: writeMappingDir({
    'conceptmaps/sex.json': conceptMap('sex', { M: 'male', F: 'female' }),
    'drchrono/patient.yaml':
      'source: drchrono\nentity: patients\ntarget: Patient\nid: "=id.toString()"\nwhen: "=archived.not()"\nconceptMaps: [sex]\ntemplate:\n  gender: "=translate(\'sex\', gender)"\n  name:\n    - family: "=last_name"\n',
    'drchrono/appointment.yaml':
      'source: drchrono\nentity: appointments\ntarget: Appointment\nid: "=id.toString()"\ntemplate:\n  status: proposed\n  participant:\n    - actor: "=ref(\'Patient\', \'patients\', patient)"\n      status: accepted\n',
    'drchrono/appointment-encounter.yaml':
      'source: drchrono\nentity: appointments\ntarget: Encounter\nid: "=id.toString()"\ntemplate:\n  status: "=encounter_status"\n  class:\n    system: http://terminology.hl7.org/CodeSystem/v3-ActCode\n    code: AMB\n',
  }),
  defs,
  scheme: createIdentityScheme(),
});
const connection = { id: 'dc-main', source: 'drchrono' as const };

describe('writePage', () => {
  let store: Store;
  beforeEach(async () => {
    store = openSqliteStore(':memory:', {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32)),
    });
    await store.tenants.ensure('acme');
  });
  afterEach(() => store.close());

  const page = (entity: string, records: unknown[]) => ({ tenant: 'acme', connection, entity, records });

  it('writes the mapped resources, quarantines bad records with the reason, and counts skips', async () => {
    const records = [
      { id: 1, gender: 'F', last_name: 'Ng', archived: false },
      { id: 2, gender: 'Z', last_name: 'Bad', archived: false },
      { id: 3, gender: 'M', last_name: 'Old', archived: true },
      { id: 4, gender: 'M', last_name: 'Ok', archived: false },
    ];
    const counts = await writePage({ store, mappings }, page('patients', records));
    expect(counts).toEqual({
      created: 2,
      updated: 0,
      unchanged: 0,
      skipped: 1,
      quarantined: 1,
      deleted: 0,
      warnings: 0,
    });

    const id = gatewayId({
      tenant: 'acme',
      connectionId: 'dc-main',
      source: 'drchrono',
      sourceType: 'patients',
      nativeId: '1',
    });
    const stored = await store.resources.read('acme', 'Patient', id);
    expect(stored?.connection).toBe('dc-main');
    expect(stored?.resource).toMatchObject({ gender: 'female', name: [{ family: 'Ng' }] });

    const quarantined = await store.quarantine.list('acme');
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({
      connection: 'dc-main',
      what: 'drchrono:patients/2',
      reason: 'code not mapped by ConceptMap sex (at Patient.gender in drchrono/patient.yaml)',
      raw: records[1],
    });
    expect(quarantined[0]?.reason).not.toContain('Bad');
  });

  it('counts unchanged and updated records on a re-poll', async () => {
    await writePage(
      { store, mappings },
      page('patients', [{ id: 1, gender: 'F', last_name: 'Ng', archived: false }]),
    );
    const again = await writePage(
      { store, mappings },
      page('patients', [
        { id: 1, gender: 'F', last_name: 'Ng', archived: false },
        { id: 5, gender: 'M', last_name: 'New', archived: false },
      ]),
    );
    expect(again).toMatchObject({ created: 1, unchanged: 1, updated: 0 });
    const changed = await writePage(
      { store, mappings },
      page('patients', [{ id: 1, gender: 'M', last_name: 'Ng', archived: false }]),
    );
    expect(changed).toMatchObject({ updated: 1, created: 0 });
  });

  it('writes all resources of a record or none of them', async () => {
    const counts = await writePage(
      { store, mappings },
      page('appointments', [
        { id: 10, patient: 1, encounter_status: 'arrived' },
        { id: 11, patient: 1, encounter_status: 'not-a-status' },
      ]),
    );
    expect(counts).toMatchObject({ created: 2, quarantined: 1 });
    const key = (sourceType: string, nativeId: string) =>
      gatewayId({ tenant: 'acme', connectionId: 'dc-main', source: 'drchrono', sourceType, nativeId });
    expect(await store.resources.read('acme', 'Appointment', key('appointments', '10'))).toBeDefined();
    expect(await store.resources.read('acme', 'Encounter', key('appointments', '10'))).toBeDefined();
    // Record 11's Appointment was valid, but its Encounter was not: neither is written.
    expect(await store.resources.read('acme', 'Appointment', key('appointments', '11'))).toBeUndefined();
    expect((await store.quarantine.list('acme'))[0]).toMatchObject({ what: 'drchrono:appointments/11' });
  });

  it('quarantines a record that is not an object without stopping the page', async () => {
    const counts = await writePage(
      { store, mappings },
      page('patients', ['garbage', { id: 7, gender: 'M', last_name: 'A', archived: false }]),
    );
    expect(counts).toMatchObject({ created: 1, quarantined: 1 });
    expect((await store.quarantine.list('acme'))[0]).toMatchObject({
      what: 'drchrono:patients/(no id)',
      raw: 'garbage',
    });
  });

  it('fires a trigger once per record: on its own type when that changed, else on an alsoOn sibling', async () => {
    const trigger: TriggerDefinition = {
      id: 'drchrono.visit.updated',
      source: 'drchrono',
      seedName: 'Visit Updated',
      row: 'appointments',
      resourceType: 'Appointment',
      kinds: ['updated'],
      alsoOn: ['Encounter'],
    };
    const row = { key: 'appointments', source: 'drchrono' } as CatalogRow;
    const write = (record: Record<string, unknown>) =>
      writePage(
        { store, mappings },
        { ...page('appointments', [record]), triggers: createTriggerTagger([trigger], row) },
      );
    const tagged = async () => {
      const { changes } = await store.changes.after(undefined, 100, { tenant: 'acme' });
      return changes.filter((c) => c.triggers.length > 0).map((c) => `${c.type}:${c.triggers.join()}`);
    };
    await write({ id: 20, patient: 1, encounter_status: 'planned' });
    expect(await tagged()).toEqual([]); // created: not what the trigger names
    // Only the Encounter changed (the Appointment hash is the same): the sibling carries it.
    await write({ id: 20, patient: 1, encounter_status: 'arrived' });
    expect(await tagged()).toEqual(['Encounter:drchrono.visit.updated']);
    // Both changed: one event carries it, the Appointment's (the mapping emits the Encounter first).
    await write({ id: 20, patient: 2, encounter_status: 'finished' });
    expect(await tagged()).toEqual([
      'Encounter:drchrono.visit.updated',
      'Appointment:drchrono.visit.updated',
    ]);
  });

  it('tombstones the resources of a record the source marks deleted, once, even those its `when` leaves out', async () => {
    const deletedWhen = { field: 'archived', equals: true } as const;
    const patientId = gatewayId({
      tenant: 'acme',
      connectionId: 'dc-main',
      source: 'drchrono',
      sourceType: 'patients',
      nativeId: '40',
    });
    await writePage(
      { store, mappings },
      page('patients', [{ id: 40, gender: 'F', last_name: 'Ng', archived: false }]),
    );
    const marked = {
      ...page('patients', [{ id: 40, gender: 'F', last_name: 'Ng', archived: true }]),
      deletedWhen,
    };
    const outcomes: unknown[] = [];
    const first = await writePage({ store, mappings }, { ...marked, onRecord: (o) => outcomes.push(o) });
    expect(first).toMatchObject({ deleted: 1, skipped: 0, created: 0, quarantined: 0 });
    expect(outcomes).toEqual([{ nativeId: '40', outcome: 'deleted', keys: [] }]);
    expect((await store.resources.read('acme', 'Patient', patientId))?.deleted).toBe(true);
    // Re-read (a day of overlap): no second tombstone, no second change.
    expect(await writePage({ store, mappings }, marked)).toMatchObject({ deleted: 0 });
    const { changes } = await store.changes.after(undefined, 100, { tenant: 'acme' });
    expect(changes.map((c) => c.action)).toEqual(['created', 'deleted']);
    // A record deleted before the gateway ever saw it leaves nothing behind.
    const unseen = {
      ...page('patients', [{ id: 41, gender: 'M', last_name: 'X', archived: true }]),
      deletedWhen,
    };
    expect(await writePage({ store, mappings }, unseen)).toMatchObject({ deleted: 0, quarantined: 0 });
  });
});
