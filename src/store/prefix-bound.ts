/**
 * The smallest string above every string that starts with `prefix`, in code point order, so a
 * prefix search becomes the index range [prefix, bound). Undefined when there is none (empty
 * prefix, or only U+10FFFF): then the range is open above.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = [...prefix].map((char) => char.codePointAt(0) as number);
  while (points.length > 0) {
    const last = points.pop() as number;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return String.fromCodePoint(...points, next);
    }
  }
  return undefined;
}

/** Every prefix of `text`, shortest (empty) first: the entries a `:above` uri search can match. */
export function allPrefixes(text: string): string[] {
  return Array.from({ length: text.length + 1 }, (_, n) => text.slice(0, n));
}

/** The `ap` (approximately) band of a number: within 10% of the value, as matchesSearch defines it. */
export function approximateBand(value: number): { tolerance: number; low: number; high: number } {
  const tolerance = Math.abs(value) * 0.1;
  // Widened by a hair so the index range never cuts off what the exact |x - v| <= t test keeps.
  const slack = tolerance * 1e-9 + Number.MIN_VALUE;
  return { tolerance, low: value - tolerance - slack, high: value + tolerance + slack };
}
