/**
 * FHIR forbids empty strings, and native APIs send `""` (or spaces) for "no value" all the time, so
 * the engine reads a blank string as absent (docs/mapping-format.md, "Values").
 */
export function isBlank(value: unknown): boolean {
  return (
    typeof value === 'string' && (value.length === 0 || (value.charCodeAt(0) <= 32 && value.trim() === ''))
  );
}
