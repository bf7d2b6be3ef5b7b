import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeSystem, NamingSystem, StructureDefinition } from 'fhir/r4';
import { canonicalUrl } from '../fhir/conformance-catalog.ts';

/**
 * The gateway's own terminology and extensions, published as FHIR resources under
 * `mappings/definitions/`: a CodeSystem for every local code system the mappings emit codes in
 * (`codesystems/`), a NamingSystem for every local identifier namespace (`namingsystems/`) and a
 * StructureDefinition for every local extension (`extensions/`). Data, not code: adding a local URL
 * to a mapping means adding its definition here (local-definitions.test.ts checks both ways).
 */
export type LocalDefinitions = {
  readonly codeSystems: ReadonlyMap<string, CodeSystem>;
  readonly namingSystems: ReadonlyMap<string, NamingSystem>;
  readonly extensions: ReadonlyMap<string, StructureDefinition>;
};

const FOLDERS = {
  codeSystems: ['codesystems', 'CodeSystem'],
  namingSystems: ['namingsystems', 'NamingSystem'],
  extensions: ['extensions', 'StructureDefinition'],
} as const;

function readFolder<T extends { resourceType: string }>(dir: string, resourceType: string): T[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const resource = JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
      if (resource.resourceType !== resourceType) {
        throw new Error(`${join(dir, file)}: expected a ${resourceType}, found ${resource.resourceType}`);
      }
      return resource;
    });
}

/** The URL a NamingSystem stands for: its preferred (else first) `uri` unique id. */
export function namingSystemUri(system: NamingSystem): string | undefined {
  return canonicalUrl(system);
}

export function loadLocalDefinitions(mappingsDir: string): LocalDefinitions {
  const root = join(mappingsDir, 'definitions');
  const byUrl = <T>(items: T[], url: (item: T) => string | undefined): Map<string, T> => {
    const map = new Map<string, T>();
    for (const item of items) {
      const key = url(item);
      if (!key) throw new Error(`${root}: a definition without a URL`);
      if (map.has(key)) throw new Error(`${root}: ${key} is defined twice`);
      map.set(key, item);
    }
    return map;
  };
  return {
    codeSystems: byUrl(
      readFolder<CodeSystem>(join(root, FOLDERS.codeSystems[0]), FOLDERS.codeSystems[1]),
      (cs) => cs.url,
    ),
    namingSystems: byUrl(
      readFolder<NamingSystem>(join(root, FOLDERS.namingSystems[0]), FOLDERS.namingSystems[1]),
      namingSystemUri,
    ),
    extensions: byUrl(
      readFolder<StructureDefinition>(join(root, FOLDERS.extensions[0]), FOLDERS.extensions[1]),
      (sd) => sd.url,
    ),
  };
}
