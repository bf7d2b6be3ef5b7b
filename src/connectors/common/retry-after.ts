/**
 * How long a 429 asks us to wait: the `Retry-After` header (seconds or an HTTP date) or, when
 * the source puts it in the body instead (DrChrono: "Expected available in 12 seconds."),
 * the body's hint. undefined when neither says.
 */
export function retryAfterMs(headers: Headers, bodyText: string, now: number): number | undefined {
  const header = headers.get('retry-after');
  if (header !== null) {
    const trimmed = header.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const hint = /available in (\d+(?:\.\d+)?) seconds?/i.exec(bodyText);
  if (hint?.[1]) return Math.ceil(Number(hint[1]) * 1000);
  return undefined;
}
