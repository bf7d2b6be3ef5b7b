/**
 * The composite index keys the Mongo adapter stores in each current-resource document's `ik`
 * array: one string per searchable fact, `<param>|<kind>|<value>`. Param first, so "has any
 * entry for the param" (`:missing`) is the anchored regex `^<param>\|`. Equality, `$in` and anchored
 * regexes on a multikey array test one element at a time on MongoDB and FerretDB alike (FerretDB
 * v1 rejects field-wise `$elemMatch`), and one multikey index {tenant, type, ik} serves them all.
 * Numbers are encoded so string order is numeric order, which gives ranges a key range too.
 */
export const searchKey = {
  string: (param: string, normalized: string) => `${param}|sv|${normalized}`,
  stringExact: (param: string, raw: string) => `${param}|sx|${raw}`,
  tokenCode: (param: string, code: string) => `${param}|tc|${code}`,
  /** JSON keeps a `|` inside a system or code from making two pairs look alike. */
  tokenSystemCode: (param: string, system: string, code: string) =>
    `${param}|tsc|${JSON.stringify([system, code])}`,
  tokenCodeWithoutSystem: (param: string, code: string) => `${param}|tn|${code}`,
  tokenSystem: (param: string, system: string) => `${param}|ts|${system}`,
  tokenText: (param: string, text: string) => `${param}|tt|${text}`,
  dateLow: (param: string, ms: number) => `${param}|dl|${orderableNumber(ms)}`,
  dateHigh: (param: string, ms: number) => `${param}|dh|${orderableNumber(ms)}`,
  /** Number and quantity values. */
  number: (param: string, value: number) => `${param}|n|${orderableNumber(value)}`,
  reference: (param: string, ref: string) => `${param}|rr|${ref}`,
  referenceId: (param: string, id: string) => `${param}|ri|${id}`,
  referenceTyped: (param: string, type: string, id: string) => `${param}|rt|${type}/${id}`,
  uri: (param: string, value: string) => `${param}|u|${value}`,
} as const;

/** Above every orderableNumber: closes a numeric key range (`~` sorts after hex digits). */
export const ORDERABLE_MAX = '~';

/**
 * 16 hex digits whose string order is the numeric order of the double: the IEEE-754 bits with the
 * sign bit flipped for positives and all bits flipped for negatives.
 */
export function orderableNumber(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value === 0 ? 0 : value);
  let high = view.getUint32(0);
  let low = view.getUint32(4);
  if (high & 0x80000000) {
    high = ~high >>> 0;
    low = ~low >>> 0;
  } else {
    high = (high | 0x80000000) >>> 0;
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

/** Any key of the param: it has at least one index entry. */
export function presentPattern(param: string): string {
  return `^${escapeRegex(param)}\\|`;
}

/** `text` as a regex matching itself literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
