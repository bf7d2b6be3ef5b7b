import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bundle, OperationOutcome, OperationOutcomeIssue, Resource } from 'fhir/r4';
import {
  CONFORMANCE_SEARCH_PARAMETERS,
  conformanceCapabilityStatement,
} from '../fhir/conformance-capability.ts';
import type { ConformanceCatalog } from '../fhir/conformance-catalog.ts';
import { type ConformanceResource, isConformanceResourceType } from '../fhir/conformance-checks.ts';
import { operationOutcome, outcomeIssue } from '../fhir/operation-outcome.ts';
import { FHIR_ID_PATTERN } from '../fhir/resource-id-check.ts';

export const FHIR_DEFINITIONS_PATH = '/fhir';
export const FHIR_METADATA_PATH = `${FHIR_DEFINITIONS_PATH}/metadata`;

export type FhirDefinitionsServer = {
  matches(pathname: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
};

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const KNOWN_PARAMETERS = new Set<string>([...CONFORMANCE_SEARCH_PARAMETERS.map((p) => p.name), '_format']);
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);
/** A Host header fit to build absolute URLs from (name or IPv4/IPv6 literal, optional port). */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
const TYPE_NAME = /^[A-Z][A-Za-z]{0,63}$/;

/**
 * `/fhir`: the gateway's published definitions (CodeSystem, NamingSystem, StructureDefinition) as
 * a read-only FHIR R4 REST endpoint: `metadata`, read by id, and search by `url` or `_id` into a
 * searchset Bundle. Public on purpose: the definitions are the same for every tenant and hold no
 * patient data, and the tools that resolve a canonical URL cannot present an API key
 * (docs/definitions.md). Every error is an OperationOutcome.
 */
export function createFhirDefinitionsServer(deps: {
  catalog: ConformanceCatalog;
  /** When the capability statement was made; defaults to now. */
  date?: string;
}): FhirDefinitionsServer {
  const date = deps.date ?? new Date().toISOString();
  return {
    matches: (pathname) =>
      pathname === FHIR_DEFINITIONS_PATH || pathname.startsWith(`${FHIR_DEFINITIONS_PATH}/`),
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://gateway');
      const base = absoluteBase(req);
      if (req.method !== 'GET') {
        send(res, 405, failure('not-supported', 'Only GET is supported: the definitions are read-only'));
        return;
      }
      const segments = url.pathname.slice(FHIR_DEFINITIONS_PATH.length).split('/').filter(Boolean);
      const [type, id, ...rest] = segments.map(safeDecode);
      if (type === 'metadata' && id === undefined) {
        send(res, 200, conformanceCapabilityStatement({ date, ...(base ? { baseUrl: base } : {}) }));
        return;
      }
      if (type === undefined || !isConformanceResourceType(type) || rest.length > 0) {
        send(res, 404, unknownPath(type));
        return;
      }
      if (id !== undefined) {
        const resource = FHIR_ID_PATTERN.test(id) ? deps.catalog.read(type, id) : undefined;
        if (!resource) {
          const named = FHIR_ID_PATTERN.test(id) ? ` ${id}` : '';
          send(res, 404, failure('not-found', `${type}${named} is not a definition the gateway publishes`));
          return;
        }
        send(res, 200, resource);
        return;
      }
      const refused = refusedParameters(url.searchParams);
      if (refused) {
        send(res, 400, refused);
        return;
      }
      let found = deps.catalog.ofType(type);
      for (const wanted of url.searchParams.getAll('url')) {
        const matching = new Set(deps.catalog.byUrl(type, wanted));
        found = found.filter((resource) => matching.has(resource));
      }
      for (const wanted of url.searchParams.getAll('_id')) {
        const ids = new Set(wanted.split(','));
        found = found.filter((resource) => resource.id !== undefined && ids.has(resource.id));
      }
      send(res, 200, searchset(found, base, `${url.pathname}${url.search}`));
    },
  };
}

function refusedParameters(params: URLSearchParams): OperationOutcome | undefined {
  const issues: OperationOutcomeIssue[] = [];
  for (const [name, value] of params) {
    if (!KNOWN_PARAMETERS.has(name)) {
      const shown = /^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/.test(name) ? ` ${name}` : '';
      issues.push(
        outcomeIssue('error', 'not-supported', `Search parameter${shown} is not supported (url, _id are)`),
      );
    } else if (name === '_format' && !JSON_FORMATS.has(value)) {
      issues.push(outcomeIssue('error', 'not-supported', 'Only JSON is served (_format=json)'));
    } else if (value === '') {
      issues.push(outcomeIssue('error', 'invalid', `Search parameter ${name} has no value`));
    }
  }
  return issues.length > 0 ? operationOutcome(issues) : undefined;
}

function searchset(found: ConformanceResource[], base: string | undefined, self: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: found.length,
    ...(base
      ? { link: [{ relation: 'self', url: `${base.slice(0, -FHIR_DEFINITIONS_PATH.length)}${self}` }] }
      : {}),
    entry: found.map((resource) => ({
      ...(base ? { fullUrl: `${base}/${resource.resourceType}/${resource.id}` } : {}),
      resource,
      search: { mode: 'match' as const },
    })),
  };
}

function unknownPath(type: string | undefined): OperationOutcome {
  const named = type && TYPE_NAME.test(type) ? ` ${type}` : '';
  return failure(
    'not-found',
    `No${named} here: /fhir serves CodeSystem, NamingSystem, StructureDefinition and metadata (patient data is at /graphql)`,
  );
}

function failure(code: OperationOutcomeIssue['code'], text: string): OperationOutcome {
  return operationOutcome([outcomeIssue('error', code, text)]);
}

/** `http://host:port/fhir` from the request's Host header, or undefined when it is unfit for a URL. */
function absoluteBase(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  return host && SAFE_HOST.test(host) ? `http://${host}${FHIR_DEFINITIONS_PATH}` : undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

function send(res: ServerResponse, status: number, body: Resource): void {
  res.writeHead(status, {
    'content-type': FHIR_JSON,
    // Definitions change only with a deploy; an error is not worth caching.
    'cache-control': status === 200 ? 'public, max-age=300' : 'no-store',
  });
  res.end(JSON.stringify(body));
}
