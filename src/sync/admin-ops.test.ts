import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdentityScheme, gatewayId } from '../fhir/identity.ts';
import { loadMappingSet } from '../mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../mapping/mapping-definitions.ts';
import { conceptMap, writeMappingDir } from '../mapping/test-support.ts';
import type { Store } from '../store/port.ts';
import { createSecretBox } from '../store/secret-box.ts';
import { openSqliteStore } from '../store/sqlite/open-sqlite-store.ts';
import { createSyncAdminOps } from './admin-ops.ts';
import type { OperationsView } from './operations-view.ts';
import { writePage } from './write-page.ts';

const mappingFiles = (sexes: Record<string, string>) =>
  writeMappingDir({
    'conceptmaps/sex.json': conceptMap('sex', sexes),
    'drchrono/patient.yaml':
      'source: drchrono\nentity: patients\ntarget: Patient\nid: "=id.toString()"\nconceptMaps: [sex]\ntemplate:\n  gender: "=translate(\'sex\', gender)"\n  name:\n    - family: "=last_name"\n',
  });
const defs = loadMappingDefinitions();
const scheme = createIdentityScheme();
/** Before the fix: the ConceptMap lacks `F`, so a record with it is quarantined. */
const before = loadMappingSet({ dir: mappingFiles({ M: 'male' }), defs, scheme });
/** After the fix: the same record maps. */
const after = loadMappingSet({ dir: mappingFiles({ M: 'male', F: 'female' }), defs, scheme });
const noView: OperationsView = { connections: async () => [], connection: async () => undefined };

describe('sync admin operations', () => {
  let store: Store;
  beforeEach(async () => {
    store = openSqliteStore(':memory:', {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32)),
    });
    await store.tenants.ensure('acme');
    await store.tenants.ensure('other');
    await store.connections.put({ tenant: 'acme', id: 'dc-main', source: 'drchrono', config: {} }, {});
  });
  afterEach(() => store.close());

  const quarantineOne = async () => {
    const page = {
      tenant: 'acme',
      connection: { id: 'dc-main', source: 'drchrono' as const },
      entity: 'patients',
      records: [{ id: 7, gender: 'F', last_name: 'Quarantined' }],
    };
    expect((await writePage({ store, mappings: before }, page)).quarantined).toBe(1);
    const [entry] = await store.quarantine.list('acme');
    return entry?.id as string;
  };

  it('replays a quarantined record through the fixed mappings, writes it with provenance and removes the entry', async () => {
    const id = await quarantineOne();
    const ops = createSyncAdminOps({ store, view: noView, mappings: after, connectors: [] });
    const answer = await ops.replayQuarantine?.('acme', id);
    expect(answer?.outcome).toBe('replayed');
    expect(await store.quarantine.list('acme')).toEqual([]);
    const patientId = gatewayId({
      tenant: 'acme',
      connectionId: 'dc-main',
      source: 'drchrono',
      sourceType: 'patients',
      nativeId: '7',
    });
    const stored = await store.resources.read('acme', 'Patient', patientId);
    expect(stored?.connection).toBe('dc-main');
    expect((stored?.resource as { gender?: string } | undefined)?.gender).toBe('female');
  });

  it('keeps an entry whose record still fails, and says why without the record', async () => {
    const id = await quarantineOne();
    const ops = createSyncAdminOps({ store, view: noView, mappings: before, connectors: [] });
    const answer = await ops.replayQuarantine?.('acme', id);
    expect(answer?.outcome).toBe('still_failing');
    expect(answer?.detail).not.toContain('Quarantined');
    expect(await store.quarantine.list('acme')).toHaveLength(1);
  });

  it("never replays another tenant's entry", async () => {
    const id = await quarantineOne();
    const ops = createSyncAdminOps({ store, view: noView, mappings: after, connectors: [] });
    expect((await ops.replayQuarantine?.('other', id))?.outcome).toBe('not_found');
    expect(await store.quarantine.list('acme')).toHaveLength(1);
  });
});
