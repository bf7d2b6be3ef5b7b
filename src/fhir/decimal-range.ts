/** A decimal search value with the range its written precision implies (FHIR search, "number"). */
export type DecimalRange = { readonly value: number; readonly low: number; readonly high: number };

const DECIMAL_PATTERN = /^-?\d+(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * '100' means [99.5, 100.5), '100.00' means [99.995, 100.005): half a unit of the last written
 * digit either side. Undefined if the text is not a decimal.
 */
export function parseDecimalRange(text: string): DecimalRange | undefined {
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  const fractionDigits = match[1]?.length ?? 0;
  const exponent = match[2] === undefined ? 0 : Number(match[2]);
  const halfUnit = 10 ** (exponent - fractionDigits) / 2;
  return { value, low: value - halfUnit, high: value + halfUnit };
}
