/**
 * The value at a concrete FHIRPath location such as `Claim.insurance[0].coverage` (as validators
 * report it: the resource type, then property names with optional indexes), or undefined.
 */
export function valueAtPath(resource: unknown, path: string): unknown {
  const [, ...segments] = path.split('.');
  let node: unknown = resource;
  for (const segment of segments) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/.exec(segment);
    if (!match?.[1] || typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[match[1]];
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) {
      node = Array.isArray(node) ? node[Number(index[1])] : undefined;
    }
  }
  return node;
}
