import type { Caller } from '../../auth/scopes.ts';
import type { Store } from '../../store/port.ts';

/** One connection's sync state, as the sync engine's operations view reports it (ids, codes, counts: no PHI). */
export type AdminSyncState = {
  readonly state: string;
  readonly cadence: string | undefined;
  readonly leaseHolder: string | undefined;
  readonly quarantined: number;
  readonly lastError: { readonly at: string; readonly code: string; readonly message: string } | undefined;
  readonly rows: ReadonlyArray<{
    readonly row: string;
    readonly lastSuccessAt: string | undefined;
    readonly lagSeconds: number | undefined;
    readonly backfilling: boolean;
  }>;
};

/**
 * What admin operations need beyond the store, from the parts that own them. Each is optional:
 * a process without the sync engine (or the connect flow) still serves the rest, and the
 * fields that need a missing part answer a NOT_AVAILABLE error that says which.
 * - `syncState`: the sync engine's operations view (src/sync, `OperationsView.connection`).
 * - `replayQuarantine`: re-map a quarantined record and write it (src/sync), removing the entry on success.
 * - `mintConnectLink`: a single-use connect link (src/server/connect, `mintConnectLink`).
 */
export type AdminOps = {
  syncState?(tenant: string, connection: string): Promise<AdminSyncState | undefined>;
  replayQuarantine?(tenant: string, id: string): Promise<{ outcome: string; detail?: string }>;
  mintConnectLink?(input: {
    tenant: string;
    source: string;
    ttlMs?: number;
  }): Promise<{ url: string; expiresAt: string }> | { url: string; expiresAt: string };
};

/** The context the admin fields read: the caller, the store and the admin operations available. */
export type AdminContext = { readonly caller: Caller; readonly store: Store; readonly admin?: AdminOps };
