/**
 * Reads values out of a resource with a tiny dotted path language: `name.family`,
 * `participant.actor`, and filters on list items: `telecom(system=phone).value`,
 * `extension(url=http://…/legal-sex).valueCodeableConcept`. Arrays are flattened, so a
 * path answers every value it reaches (FHIRPath semantics, without the cost of FHIRPath).
 */
type Segment = { name: string; filter?: { key: string; value: string } };

export type ElementGetter = (resource: unknown) => unknown[];

/** Compiles a path once; the getter is then cheap to call per record. */
export function compileElementPath(path: string): ElementGetter {
  const segments = parse(path);
  return (resource) => walk(resource, segments);
}

function parse(path: string): Segment[] {
  const segments: Segment[] = [];
  let depth = 0;
  let current = '';
  for (const ch of path) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === '.' && depth === 0) {
      segments.push(parseSegment(current, path));
      current = '';
    } else current += ch;
  }
  segments.push(parseSegment(current, path));
  return segments;
}

function parseSegment(text: string, path: string): Segment {
  const m = /^([A-Za-z][A-Za-z0-9]*)(?:\(([A-Za-z]+)=(.*)\))?$/.exec(text);
  if (!m?.[1]) throw new Error(`invalid element path: ${path}`);
  return m[2] !== undefined ? { name: m[1], filter: { key: m[2], value: m[3] ?? '' } } : { name: m[1] };
}

function walk(resource: unknown, segments: Segment[]): unknown[] {
  let current: unknown[] = [resource];
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const item of current) {
      if (item === null || typeof item !== 'object') continue;
      const value = (item as Record<string, unknown>)[segment.name];
      const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
      for (const v of values) {
        if (
          segment.filter &&
          (v as Record<string, unknown> | null)?.[segment.filter.key] !== segment.filter.value
        )
          continue;
        next.push(v);
      }
    }
    current = next;
  }
  return current;
}
