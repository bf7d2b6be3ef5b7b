/**
 * The one line `npm start` prints when the configured store cannot be opened: what failed, where
 * (the MongoDB host without credentials) and what to do — instead of a driver stack trace.
 */
export function storeUnavailableLine(
  config: { STORE: 'sqlite' | 'mongo'; MONGODB_URL?: string | undefined; SQLITE_PATH: string },
  err: unknown,
): string {
  const reason = err instanceof Error ? err.name : 'unknown error';
  if (config.STORE === 'mongo') {
    let where = 'MONGODB_URL';
    try {
      const url = new URL(config.MONGODB_URL ?? '');
      where = `${url.protocol}//${url.host}`;
    } catch {}
    return `cannot reach MongoDB at ${where} (${reason}): start MongoDB or fix MONGODB_URL, or run with STORE=sqlite.`;
  }
  return `cannot open the SQLite store at ${config.SQLITE_PATH} (${reason}): check that its folder exists and is writable, or set SQLITE_PATH.`;
}
