/** FHIR search value syntax: `,` separates OR-ed values, `|` separates parts, `\` escapes either. */

/** Splits on an unescaped separator, leaving escapes in place for the next split. */
export function splitUnescaped(
  text: string,
  separator: ',' | '|',
  limit = Number.POSITIVE_INFINITY,
): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && i + 1 < text.length) {
      current += char + text[i + 1];
      i++;
    } else if (char === separator && parts.length < limit - 1) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

export function unescapeValue(text: string): string {
  return text.replace(/\\([\\,|$])/g, '$1');
}
