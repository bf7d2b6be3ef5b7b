import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { canonicalUrl } from '../../src/fhir/conformance-catalog.ts';
import { loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import { createIdentityScheme, sourceSystemTagSystem } from '../../src/fhir/identity.ts';
import { errorIssues } from '../../src/fhir/operation-outcome.ts';
import { validateResource } from '../../src/fhir/validate-resource.ts';
import { loadPublishedDefinitions } from '../../src/mapping/published-definitions.ts';
import { createFhirDefinitionsServer } from '../../src/server/fhir-definitions-routes.ts';
import type { Store } from '../../src/store/port.ts';
import { memoryStore, silentLog } from '../connectors/helpers.ts';
import { localUrlsInMappingFiles } from '../support/local-urls.ts';

/**
 * `/fhir` on a gateway listening on a real socket: every gateway-local URL the mappings can emit
 * resolves to its definition by canonical URL and then by id, without an API key; errors are
 * OperationOutcomes; what is served is valid R4.
 */
const mappingsDir = join(import.meta.dirname, '../../mappings');
const scheme = createIdentityScheme('https://gateway.test');
const catalog = loadPublishedDefinitions(mappingsDir, scheme);
const DEFINITION_TYPES = ['CodeSystem', 'NamingSystem', 'StructureDefinition'] as const;

let store: Store;
let gateway: Server;
let base: string;

beforeAll(async () => {
  store = memoryStore();
  const app = createApp({
    store,
    log: silentLog,
    definitions: createFhirDefinitionsServer({ catalog, date: '2026-12-04T08:00:00Z' }),
  });
  gateway = createServer(app.handle);
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});
afterAll(async () => {
  gateway.closeAllConnections();
  gateway.close();
  await store.close();
});

async function getFhir<T extends Resource>(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, init);
  expect(response.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
  return { status: response.status, body: (await response.json()) as T };
}

async function search(type: string, url: string): Promise<Bundle> {
  const { status, body } = await getFhir<Bundle>(`/fhir/${type}?url=${encodeURIComponent(url)}`);
  expect(status).toBe(200);
  return body;
}

/** The one issue of an error response. */
function onlyIssue(outcome: OperationOutcome) {
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue).toHaveLength(1);
  return outcome.issue[0];
}

describe('GET /fhir (the published definitions)', () => {
  it('resolves every local URL the mappings can emit, by canonical URL and then by id', async () => {
    const emitted = [...localUrlsInMappingFiles(mappingsDir), sourceSystemTagSystem(scheme)];
    expect(emitted.length).toBeGreaterThan(30);
    const unresolved: string[] = [];
    for (const url of emitted) {
      // An extension URL names a StructureDefinition; a code system URL names a CodeSystem (codes)
      // or a NamingSystem (identifier values), or both.
      const types = url.includes(':extension:') ? ['StructureDefinition'] : ['CodeSystem', 'NamingSystem'];
      const entries = (await Promise.all(types.map((type) => search(type, url)))).flatMap(
        (b) => b.entry ?? [],
      );
      if (entries.length === 0) unresolved.push(url);
      for (const entry of entries) {
        const resource = entry.resource as Parameters<typeof canonicalUrl>[0];
        expect(canonicalUrl(resource)).toBe(url);
        // fullUrl is where the definition is read.
        expect(entry.fullUrl).toBe(`${base}/fhir/${resource.resourceType}/${resource.id}`);
        const read = await fetch(entry.fullUrl ?? '');
        expect(read.status).toBe(200);
        expect(await read.json()).toEqual(resource);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('serves every published definition by id, and a search without parameters lists them all', async () => {
    for (const type of DEFINITION_TYPES) {
      const all = (await getFhir<Bundle>(`/fhir/${type}`)).body;
      const expected = catalog.ofType(type);
      expect(all.total).toBe(expected.length);
      expect(all.entry?.map((e) => e.resource?.id)).toEqual(expected.map((r) => r.id));
    }
    const [first, second] = catalog.ofType('CodeSystem');
    const byIds = await getFhir<Bundle>(`/fhir/CodeSystem?_id=${first?.id},${second?.id}`);
    expect(byIds.body.entry?.map((e) => e.resource?.id)).toEqual([first?.id, second?.id]);
    // Parameters combine (AND): a url and an id of two different systems find nothing.
    const both = await getFhir<Bundle>(
      `/fhir/CodeSystem?_id=${first?.id}&url=${encodeURIComponent((second && canonicalUrl(second)) ?? '')}`,
    );
    expect(both.body.total).toBe(0);
  });

  it('needs no API key: the definitions are public', async () => {
    const response = await fetch(`${base}/fhir/metadata`, { headers: { authorization: 'Bearer not-a-key' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('describes itself in a CapabilityStatement', async () => {
    const { status, body } = await getFhir<CapabilityStatement>('/fhir/metadata');
    expect(status).toBe(200);
    expect(body.kind).toBe('instance');
    expect(body.fhirVersion).toBe('4.0.1');
    expect(body.implementation?.url).toBe(`${base}/fhir`);
    expect(body.rest?.[0]?.resource?.map((r) => r.type)).toEqual([...DEFINITION_TYPES]);
    expect(body.rest?.[0]?.resource?.[0]?.searchParam?.map((p) => p.name)).toEqual(['url', '_id']);
  });

  it('answers an unknown id, type or path with 404 and an OperationOutcome, echoing only safe names', async () => {
    const unknownId = await getFhir<OperationOutcome>('/fhir/CodeSystem/no-such-system');
    expect(unknownId.status).toBe(404);
    expect(onlyIssue(unknownId.body)).toMatchObject({ severity: 'error', code: 'not-found' });
    expect(onlyIssue(unknownId.body)?.diagnostics).toContain('CodeSystem no-such-system');

    // Patient data is not here, whatever the id.
    const patient = await getFhir<OperationOutcome>('/fhir/Patient/p1');
    expect(patient.status).toBe(404);
    expect(onlyIssue(patient.body)?.diagnostics).toContain('/graphql');

    for (const path of [
      '/fhir/CodeSystem/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      '/fhir/CodeSystem/%E0%A4%A',
      `/fhir/CodeSystem/${'x'.repeat(65)}`,
      '/fhir/%3Cb%3E',
      '/fhir/CodeSystem/gateway-basic-kind/_history/1',
      '/fhir',
      '/fhir/',
    ]) {
      const { status, body } = await getFhir<OperationOutcome>(path);
      expect(status, path).toBe(404);
      const text = onlyIssue(body)?.diagnostics ?? '';
      expect(text, path).not.toMatch(/script|<|xxxxx|%/);
    }
  });

  it('refuses unknown search parameters, empty values, other formats and writes with an OperationOutcome', async () => {
    const unknown = await getFhir<OperationOutcome>('/fhir/CodeSystem?name=Basic&url=urn:x');
    expect(unknown.status).toBe(400);
    expect(onlyIssue(unknown.body)).toMatchObject({ code: 'not-supported' });
    expect(onlyIssue(unknown.body)?.diagnostics).toContain('Search parameter name is not supported');

    const empty = await getFhir<OperationOutcome>('/fhir/CodeSystem?url=');
    expect(empty.status).toBe(400);
    expect(onlyIssue(empty.body)).toMatchObject({ code: 'invalid' });

    const xml = await getFhir<OperationOutcome>('/fhir/CodeSystem?_format=xml');
    expect(xml.status).toBe(400);
    expect((await getFhir<Bundle>('/fhir/CodeSystem?_format=json')).status).toBe(200);

    const write = await getFhir<OperationOutcome>('/fhir/CodeSystem', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'CodeSystem' }),
    });
    expect(write.status).toBe(405);
    expect(onlyIssue(write.body)).toMatchObject({ code: 'not-supported' });
    // Nothing was added.
    expect((await getFhir<Bundle>('/fhir/CodeSystem')).body.total).toBe(catalog.ofType('CodeSystem').length);
  });

  it('serves valid FHIR R4: the CapabilityStatement, a searchset Bundle and an error OperationOutcome', async () => {
    const defs = loadFhirDefinitions({
      resourceTypes: ['CapabilityStatement', 'Bundle', 'OperationOutcome', ...DEFINITION_TYPES],
    });
    const served = [
      (await getFhir('/fhir/metadata')).body,
      (await getFhir('/fhir/StructureDefinition')).body,
      (await getFhir('/fhir/NamingSystem?_id=nothing')).body,
      (await getFhir('/fhir/CodeSystem/nothing')).body,
    ];
    const problems = served.flatMap((resource) =>
      errorIssues(validateResource(defs, resource, { fastPath: false })).map(
        (issue) => `${resource.resourceType}: ${issue.expression?.[0]} ${issue.diagnostics}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('is linked from the front door', async () => {
    const index = (await (await fetch(`${base}/`)).json()) as { routes: { path: string; what: string }[] };
    expect(index.routes.find((r) => r.path === '/fhir/metadata')?.what).toContain('CodeSystems');
    const html = await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain('<a href="/fhir/metadata">');
  });
});
