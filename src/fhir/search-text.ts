/** The normal form of text compared by string search: accents stripped, lower-cased, spaces collapsed. */
export function normalizeSearchText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
