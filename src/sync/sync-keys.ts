/**
 * Names of the sync's entries in the store's lease and watermark tables. Tenant ids, connection
 * ids and catalog row keys cannot contain `/` (see the store's id grammar), so the names cannot
 * collide across tenants or connections.
 */
export function connectionLeaseName(tenant: string, connection: string): string {
  return `sync/${tenant}/${connection}`;
}

/** Where a (connection, catalog row) resumes. */
export function watermarkKey(tenant: string, connection: string, row: string): string {
  return `sync/${tenant}/${connection}/${row}`;
}

/** The last poll's outcome of a (connection, catalog row), read by the operations view. */
export function rowStatusKey(tenant: string, connection: string, row: string): string {
  return `sync-status/${tenant}/${connection}/${row}`;
}

/**
 * What the watermark store holds for a row: the connector's cursor, and whether the first run
 * (the backfill) is still going — a crash mid-backfill resumes it, still marked as backfill.
 */
export type RowWatermark = { readonly cursor: string | undefined; readonly backfilling: boolean };

export function encodeRowWatermark(state: RowWatermark): string {
  return JSON.stringify({ cursor: state.cursor ?? null, backfilling: state.backfilling });
}

/** undefined: the row was never polled. A value this release did not write restarts the backfill. */
export function decodeRowWatermark(text: string | undefined): RowWatermark | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as { cursor?: unknown; backfilling?: unknown };
    if (
      typeof parsed.backfilling === 'boolean' &&
      (parsed.cursor === null || typeof parsed.cursor === 'string')
    ) {
      return { cursor: parsed.cursor ?? undefined, backfilling: parsed.backfilling };
    }
  } catch {
    // fall through: unreadable state is treated as never polled
  }
  return undefined;
}

/** The operations view's record of a row's last poll. */
export type RowStatus = {
  readonly lastSuccessAt: string | undefined;
  readonly lastAttemptAt: string;
  readonly lastError: { readonly at: string; readonly code: string; readonly message: string } | undefined;
  readonly backfilling: boolean;
  /** Requests (pages) the last successful poll took: the planner's estimate of the next one. */
  readonly requests?: number;
};

export function decodeRowStatus(text: string | undefined): RowStatus | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as RowStatus;
  } catch {
    return undefined;
  }
}

/** The records a full-scan row's last complete scan found (to see which ones vanished since). */
export function presenceKey(tenant: string, connection: string, row: string): string {
  return `sync-present/${tenant}/${connection}/${row}`;
}
