import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImportCommand } from '../../src/cli/import-command.ts';
import { createIdentityScheme } from '../../src/fhir/identity.ts';
import { parseSearch } from '../../src/fhir/parse-search.ts';
import { type GraphQLHarness, openGraphQLHarness } from '../support/graphql-harness.ts';

const scheme = createIdentityScheme();

describe('npm run import (FHIR resources, Bundles, NDJSON)', () => {
  let harness: GraphQLHarness;
  let dir: string;
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runImportCommand(argv, {
      store: harness.store,
      definitions: harness.definitions,
      scheme,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    return { code, out, err };
  };

  beforeAll(async () => {
    harness = await openGraphQLHarness();
    dir = mkdtempSync(join(tmpdir(), 'import-'));
    mkdirSync(join(dir, 'nested'));
    writeFileSync(
      join(dir, 'a-patient.json'),
      JSON.stringify({ resourceType: 'Patient', id: 'p-1', name: [{ family: 'Alpha' }] }),
    );
    writeFileSync(
      join(dir, 'nested', 'bundle.json'),
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: { resourceType: 'Patient', id: 'p-2', gender: 'female' } },
          {
            resource: {
              resourceType: 'Observation',
              id: 'o-1',
              status: 'final',
              code: { text: 'x' },
              subject: { reference: 'Patient/p-2' },
            },
          },
          { fullUrl: 'urn:uuid:1' },
        ],
      }),
    );
    writeFileSync(
      join(dir, 'lines.ndjson'),
      [
        JSON.stringify({ resourceType: 'Patient', id: 'p-3' }),
        '',
        '{not json',
        JSON.stringify({ resourceType: 'Patient', id: 'p-4', gender: 'Secret-Value-Kept-Out' }),
        JSON.stringify({ resourceType: 'Patient', name: [{ family: 'NoId' }] }),
      ].join('\n'),
    );
    writeFileSync(join(dir, 'ignored.txt'), 'not read');
  });

  afterAll(async () => {
    await harness?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a directory, keeps ids, and lists each invalid item with where and why (no values)', async () => {
    const { code, out } = await run([dir, '--tenant', 'clinic-a']);
    expect(code).toBe(1);
    expect(out[0]).toBe('imported into clinic-a: 4 created, 0 updated, 0 unchanged, 4 invalid');
    const reasons = out.slice(1).join('\n');
    expect(reasons).toContain('bundle.json#entry[2]: Bundle entry without a resource');
    expect(reasons).toContain('lines.ndjson:3: not valid JSON');
    expect(reasons).toMatch(/lines\.ndjson:4: .*gender/);
    expect(reasons).toMatch(/lines\.ndjson:5: the resource has no id/);
    expect(reasons).not.toContain('Secret-Value-Kept-Out');
    const stored = await harness.store.resources.read('clinic-a', 'Observation', 'o-1');
    expect(stored?.resource.id).toBe('o-1');
  });

  it('stamps the fhir-import provenance, searchable and visible in gatewayProvenance', async () => {
    const patient = (await harness.store.resources.read('clinic-a', 'Patient', 'p-1'))?.resource as Patient;
    expect(patient.meta?.source).toBe('urn:fhir-gateway:connection:fhir-import');
    expect(patient.meta?.tag).toContainEqual(expect.objectContaining({ code: 'fhir-import' }));
    expect(patient.identifier).toContainEqual({
      use: 'secondary',
      system: `${scheme.baseUrl}/sid/fhir-import/fhir-import/Patient`,
      value: 'p-1',
    });
    const page = await harness.store.resources.search(
      'clinic-a',
      'Patient',
      parseSearch(harness.definitions, 'Patient', { _connection: 'fhir-import' }),
    );
    expect(page.items.map((item) => item.id).sort()).toEqual(['p-1', 'p-2', 'p-3']);
    const result = await harness.run(
      'clinic-a',
      '{ Patient(id: "p-1") { gatewayProvenance { sourceSystem connection sourceType nativeId lastSynced } } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.Patient).toEqual({
      gatewayProvenance: {
        sourceSystem: 'fhir-import',
        connection: 'fhir-import',
        sourceType: 'Patient',
        nativeId: 'p-1',
        lastSynced: patient.meta?.lastUpdated,
      },
    });
  });

  it('re-importing the same input changes nothing; a changed resource is updated', async () => {
    const again = await run([join(dir, 'nested'), '--tenant', 'clinic-a']);
    expect(again.out[0]).toBe('imported into clinic-a: 0 created, 0 updated, 2 unchanged, 1 invalid');
    const file = join(dir, 'a-patient.json');
    writeFileSync(file, JSON.stringify({ resourceType: 'Patient', id: 'p-1', name: [{ family: 'Beta' }] }));
    const changed = await run([file, '--tenant', 'clinic-a']);
    expect(changed).toMatchObject({
      code: 0,
      out: ['imported into clinic-a: 0 created, 1 updated, 0 unchanged, 0 invalid'],
    });
  });

  it('prints progress lines on large inputs', async () => {
    const file = join(dir, 'many.ndjson');
    const lines = Array.from({ length: 2100 }, (_, i) =>
      JSON.stringify({ resourceType: 'Patient', id: `m-${i}` }),
    );
    writeFileSync(file, lines.join('\n'));
    const { code, out, err } = await run([file, '--tenant', 'clinic-b']);
    expect(code).toBe(0);
    expect(out[0]).toBe('imported into clinic-b: 2100 created, 0 updated, 0 unchanged, 0 invalid');
    expect(err.length).toBeGreaterThanOrEqual(2);
    expect(err[0]).toMatch(/^… \d+ read$/);
  });

  it('rejects bad usage with a clear message and writes nothing', async () => {
    expect(await run([dir])).toMatchObject({
      code: 2,
      err: ['usage: npm run import -- <file|dir> --tenant <id>'],
    });
    expect((await run([dir, '--tenant', 'bad tenant!'])).code).toBe(2);
    expect((await run([join(dir, 'missing.json'), '--tenant', 'clinic-c'])).err[0]).toMatch(/no such file/);
    expect(await harness.store.tenants.get('clinic-c')).toBeUndefined();
  });
});
