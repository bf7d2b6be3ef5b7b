import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import type { IdentityScheme, SourceSystem } from '../fhir/identity.ts';
import { discoverFixtures, goldenScope } from './fixtures.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import type { RunState } from './run-state.ts';

/** What the fixtures of a source show the mappings leave out. */
export type UnmappedReport = {
  /** `<entity>.<path>` (array levels left out) present in fixture records and read by no expression. */
  readonly fields: string[];
  /** `<conceptMapId>#<code>` looked up in fixtures and not listed by the ConceptMap. */
  readonly codes: string[];
};

/** `mappings/<source>/unmapped-allowlist.json`: each entry maps to the reason it is accepted. */
export type UnmappedAllowList = {
  fields: Record<string, string>;
  codes: Record<string, string>;
  /** Resource types fixture outputs may reference without the target being in the fixture set. */
  referenceTypes: Record<string, string>;
};

/**
 * Runs every fixture of `source` through its mappings, watching which fields of the native records
 * the expressions read (a Proxy over a copy of each record) and which codes ConceptMaps miss.
 */
export function unmappedReport(options: {
  mappingsDir: string;
  source: SourceSystem;
  defs: FhirDefinitions;
  scheme: IdentityScheme;
}): UnmappedReport {
  const unmappedCodes = new Set<string>();
  const set = loadMappingSet({
    dir: options.mappingsDir,
    defs: options.defs,
    scheme: options.scheme,
    sources: [options.source],
    translationObserver: ({ conceptMapId, code, mapped }) => {
      if (!mapped) unmappedCodes.add(`${conceptMapId}#${code}`);
    },
  });
  const present = new Set<string>();
  const read = new Set<string>();
  for (const fixture of discoverFixtures(options.mappingsDir)) {
    if (fixture.source !== options.source) continue;
    const { entity, record } = fixture.input;
    const copy = structuredClone(record);
    collectLeafPaths(copy, entity, present);
    const watched = watchReads(copy, entity, read);
    for (const mapping of set.mappingsFor(options.source, entity)) {
      const state: RunState = { scope: goldenScope(options.source), warnings: [], path: mapping.target };
      try {
        mapping.forward(watched, state);
      } catch {
        // A failing fixture still shows what was read up to the failure.
      }
    }
  }
  return {
    fields: [...present].filter((path) => !read.has(path)).sort(),
    codes: [...unmappedCodes].sort(),
  };
}

export function readAllowList(mappingsDir: string, source: SourceSystem): UnmappedAllowList {
  const file = join(mappingsDir, source, 'unmapped-allowlist.json');
  if (!existsSync(file)) return { fields: {}, codes: {}, referenceTypes: {} };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<UnmappedAllowList>;
  return {
    fields: parsed.fields ?? {},
    codes: parsed.codes ?? {},
    referenceTypes: parsed.referenceTypes ?? {},
  };
}

function collectLeafPaths(value: unknown, path: string, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectLeafPaths(item, path, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) collectLeafPaths(child, `${path}.${key}`, into);
  } else if (value !== null && value !== undefined) into.add(path);
}

/** A view of `value` that records the path of every existing property read through it. */
function watchReads<T>(value: T, path: string, read: Set<string>): T {
  if (typeof value !== 'object' || value === null) return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || !Object.hasOwn(target, key)) return child;
      // fhirpath.js pins a frozen `__path__` on values it returns; a proxy must give those back as they are.
      if (key === '__path__') return child;
      if (Array.isArray(target)) return /^\d+$/.test(key) ? watchReads(child, path, read) : child;
      const childPath = `${path}.${key}`;
      read.add(childPath);
      return watchReads(child, childPath, read);
    },
  }) as T;
}
