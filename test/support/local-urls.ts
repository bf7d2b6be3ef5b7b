import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCAL_URL = /urn:fhir-gateway:(?:codesystem|extension):[A-Za-z0-9._:-]*[A-Za-z0-9]/g;

/**
 * Every gateway-local code system, identifier system or extension URL written in a mapping file,
 * fragment or ConceptMap of `mappingsDir` (comments left out): what the mappings can emit, whether
 * or not a fixture reaches it.
 */
export function localUrlsInMappingFiles(mappingsDir: string): Set<string> {
  const urls = new Set<string>();
  for (const folder of ['jane', 'drchrono', 'epic', 'fragments']) {
    for (const file of readdirSync(join(mappingsDir, folder)).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(mappingsDir, folder, file), 'utf8')
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('#'))
        .join('\n');
      for (const match of text.matchAll(LOCAL_URL)) urls.add(match[0]);
    }
  }
  // ConceptMap targets that are themselves system URLs (drchrono-procedure-code-system): emitted as systems.
  for (const file of readdirSync(join(mappingsDir, 'conceptmaps'))) {
    const map = JSON.parse(readFileSync(join(mappingsDir, 'conceptmaps', file), 'utf8')) as {
      group: Array<{ element: Array<{ target?: Array<{ code?: string }> }> }>;
    };
    for (const code of map.group.flatMap((g) => g.element.flatMap((e) => e.target ?? []))) {
      const value = code.code;
      if (typeof value === 'string' && value.match(LOCAL_URL)?.[0] === value) urls.add(value);
    }
  }
  return urls;
}
