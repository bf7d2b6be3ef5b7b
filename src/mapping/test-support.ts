import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ConceptMap } from 'fhir/r4';

/** Writes a throw-away mappings directory: `files` maps relative paths to contents. */
export function writeMappingDir(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mappings-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

/** A small valid ConceptMap with one group. */
export function conceptMap(
  id: string,
  pairs: Record<string, string>,
  unmapped?: NonNullable<ConceptMap['group']>[number]['unmapped'],
): ConceptMap {
  return {
    resourceType: 'ConceptMap',
    id,
    status: 'active',
    group: [
      {
        source: `urn:test:${id}:source`,
        target: `urn:test:${id}:target`,
        element: Object.entries(pairs).map(([code, target]) => ({
          code,
          target: [{ code: target, display: target.toUpperCase(), equivalence: 'equivalent' as const }],
        })),
        ...(unmapped ? { unmapped } : {}),
      },
    ],
  };
}

/** Mapped resources as tests read them: any path, no narrowing at every step. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary paths of mapped JSON
export type Loose = Record<string, any>;
