/**
 * Turns a model path with choice placeholders, as some validators report them
 * (`Observation.value[x].comparator`), into the concrete path of the resource at hand
 * (`Observation.valueQuantity.comparator`). Unresolvable segments are left as they are.
 */
export function resolveChoicePath(resource: unknown, path: string): string {
  if (!path.includes('[x]')) return path;
  const [root, ...segments] = path.split('.');
  let node: unknown = resource;
  const out = [root];
  for (const segment of segments) {
    const match = /^([A-Za-z]+)(\[x\])?((?:\[\d+\])*)$/.exec(segment);
    if (!match?.[1]) return [...out, segment].join('.');
    let name = match[1];
    if (match[2] && isRecord(node)) {
      const base = name;
      name =
        Object.keys(node).find(
          (key) => key.length > base.length && key.startsWith(base) && /^[A-Z]/.test(key.slice(base.length)),
        ) ?? `${base}[x]`;
    }
    out.push(`${name}${match[3] ?? ''}`);
    node = isRecord(node) ? node[name] : undefined;
    for (const index of (match[3] ?? '').matchAll(/\[(\d+)\]/g)) {
      node = Array.isArray(node) ? node[Number(index[1])] : undefined;
    }
  }
  return out.join('.');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
