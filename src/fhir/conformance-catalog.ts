import {
  type ConformanceCheckOptions,
  type ConformanceResource,
  type ConformanceResourceType,
  conformanceProblems,
} from './conformance-checks.ts';

/**
 * The gateway's published definitions, looked up the ways a FHIR client does: by type and id (read)
 * and by canonical URL (search). Built once at start from data; a broken definition stops the
 * start with every problem named, as a broken mapping file does.
 */
export type ConformanceCatalog = {
  /** Every definition, in load order. */
  readonly all: readonly ConformanceResource[];
  read(type: ConformanceResourceType, id: string): ConformanceResource | undefined;
  /** The definitions of a type whose canonical URL is `url` (an `|version` suffix must match too). */
  byUrl(type: ConformanceResourceType, url: string): ConformanceResource[];
  ofType(type: ConformanceResourceType): ConformanceResource[];
};

export class ConformanceCatalogError extends Error {
  override name = 'ConformanceCatalogError';
}

/**
 * A NamingSystem has no `url` in R4: the namespace it stands for is its preferred uri unique id,
 * which is the identifier system the mappings emit, so that is the URL it is found by.
 */
export function canonicalUrl(resource: ConformanceResource): string | undefined {
  if (resource.resourceType !== 'NamingSystem') return resource.url;
  const uris = resource.uniqueId.filter((id) => id.type === 'uri');
  return (uris.find((id) => id.preferred) ?? uris[0])?.value;
}

export function createConformanceCatalog(
  resources: readonly ConformanceResource[],
  options: ConformanceCheckOptions,
): ConformanceCatalog {
  const problems = resources.flatMap((resource) => conformanceProblems(resource, options));
  const byKey = new Map<string, ConformanceResource>();
  const urls = new Set<string>();
  for (const resource of resources) {
    const key = `${resource.resourceType}/${resource.id}`;
    if (byKey.has(key)) problems.push(`${key}: id used twice`);
    byKey.set(key, resource);
    const url = canonicalUrl(resource);
    if (!url) continue;
    if (urls.has(`${resource.resourceType} ${url}`)) problems.push(`${key}: url ${url} used twice`);
    urls.add(`${resource.resourceType} ${url}`);
  }
  if (problems.length > 0) {
    throw new ConformanceCatalogError(`Published definitions are broken:\n${problems.join('\n')}`);
  }
  const ofType = (type: ConformanceResourceType) => resources.filter((r) => r.resourceType === type);
  return {
    all: resources,
    read: (type, id) => byKey.get(`${type}/${id}`),
    ofType,
    byUrl(type, url) {
      const bar = url.lastIndexOf('|');
      const [wanted, version] = bar === -1 ? [url, undefined] : [url.slice(0, bar), url.slice(bar + 1)];
      return ofType(type).filter(
        (resource) =>
          canonicalUrl(resource) === wanted &&
          (version === undefined || ('version' in resource && resource.version === version)),
      );
    },
  };
}
