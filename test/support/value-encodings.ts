/**
 * Every way a value could show through an opaque token: as is, lower-cased, hex, and base64 /
 * base64url at each of the three byte alignments (edge characters, which depend on neighbouring
 * bytes, left out). Forms shorter than 4 characters are dropped: they match by chance.
 */
export function valueEncodings(value: string): string[] {
  const bytes = Buffer.from(value);
  const shifted = [0, 1, 2].flatMap((pad) => {
    const b64 = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    const inner = b64.slice(Math.ceil((pad * 4) / 3) + 1, -3);
    return [inner, inner.replace(/\+/g, '-').replace(/\//g, '_')];
  });
  return [value, value.toLowerCase(), bytes.toString('hex'), ...shifted].filter((s) => s.length >= 4);
}

/** The encodings of `values` found in `token` (or in its base64url-decoded bytes); [] when none. */
export function leakedValues(token: string, values: readonly string[]): string[] {
  const decoded = Buffer.from(token, 'base64url');
  return values.filter((value) =>
    valueEncodings(value).some(
      (form) => token.toLowerCase().includes(form.toLowerCase()) || decoded.includes(Buffer.from(form)),
    ),
  );
}
