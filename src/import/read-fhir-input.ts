import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** One item read from an input: a parsed JSON value, or why it could not be read. */
export type InputItem =
  | { readonly where: string; readonly value: unknown }
  | { readonly where: string; readonly error: string };

const EXTENSIONS = new Set(['.json', '.ndjson', '.jsonl']);

/** The files an import reads: the file itself, or every .json/.ndjson/.jsonl under a directory (sorted, recursive). */
export function inputFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return inputFiles(child);
      return EXTENSIONS.has(extname(entry.name).toLowerCase()) ? [child] : [];
    });
}

/**
 * Resources from one file: a resource, a Bundle (its entries' resources) or NDJSON (one resource
 * per line, streamed). `where` names the file and line or entry, never the content (PHI).
 */
export async function* readFhirFile(file: string): AsyncGenerator<InputItem> {
  const ndjson = ['.ndjson', '.jsonl'].includes(extname(file).toLowerCase());
  if (ndjson) {
    const lines = createInterface({
      input: createReadStream(file, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let number = 0;
    for await (const line of lines) {
      number += 1;
      if (line.trim() === '') continue;
      yield* expand(`${file}:${number}`, parse(line));
    }
    return;
  }
  yield* expand(file, parse(readFileSync(file, 'utf8')));
}

function parse(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { error: 'not valid JSON' };
  }
}

/** A Bundle gives its entries' resources (nested Bundles too); anything else is one item. */
function* expand(where: string, parsed: { value: unknown } | { error: string }): Generator<InputItem> {
  if ('error' in parsed) {
    yield { where, error: parsed.error };
    return;
  }
  const value = parsed.value as { resourceType?: unknown; entry?: unknown };
  if (value && typeof value === 'object' && value.resourceType === 'Bundle') {
    const entries = Array.isArray(value.entry) ? value.entry : [];
    for (const [index, entry] of entries.entries()) {
      const resource = (entry as { resource?: unknown } | null)?.resource;
      const at = `${where}#entry[${index}]`;
      if (resource === undefined) yield { where: at, error: 'Bundle entry without a resource' };
      else yield* expand(at, { value: resource });
    }
    return;
  }
  yield { where, value: parsed.value };
}
