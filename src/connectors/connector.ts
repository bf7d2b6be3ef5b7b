import type { SourceSystem } from '../fhir/identity.ts';
import type { Connection } from '../store/port.ts';

/**
 * The contract between the connectors (one per source: auth, HTTP client, catalog) and the
 * layers above them (sync, mutations, the operations view). A connector speaks to its source
 * over HTTP only; it never imports from src/simulators/. Data drives it: adding an endpoint is
 * a catalog row and a mapping, not a module.
 */

/** How a catalog row finds what changed since its watermark. */
export type CursorStrategy =
  /** Jane: `updated_at[gte]=<second>` (inclusive, second precision; dedupe at the boundary by hash). */
  | 'updated-at-gte-second'
  /** DrChrono: `since=<date>` with a day of overlap (dedupe by hash). */
  | 'since-date-overlap'
  /** DrChrono endpoints that offer `updated_since` (a timestamp). */
  | 'updated-since'
  /** FHIR `_lastUpdated=ge<instant>` (Epic DocumentReference). */
  | 'last-updated'
  /** Epic: searches scoped to each known patient, in date windows. */
  | 'patient-scoped-window'
  /** No change filter: every poll reads the whole collection (small reference data). */
  | 'full-scan'
  /** FHIR Bulk Data `Group/[id]/$export?_type=<type>&_since=<transactionTime>` (Epic). */
  | 'bulk-export-since';

export type Operation = 'read' | 'search' | 'create' | 'update' | 'patch' | 'delete';

/** One native resource of a source: everything the sync and the actions need to know about it. */
export type CatalogRow = {
  /** Unique within its source, stable (it names watermarks): e.g. `patients`, `appointments`. */
  readonly key: string;
  readonly source: SourceSystem;
  /** The path under the connection's base URL, e.g. `/api/patients` or `Patient`. */
  readonly path: string;
  /** The record's id field (`id` for all three sources today). */
  readonly idField: string;
  /** The mapping entity (`mappings/<source>/*.yaml` `entity:`) the records go through. */
  readonly entity: string;
  /** FHIR resource types the mapping emits for one record. */
  readonly fhirTypes: readonly string[];
  readonly paging: 'page-number' | 'next-url' | 'fhir-bundle-next' | 'none';
  readonly cursor: CursorStrategy;
  readonly operations: readonly Operation[];
  /**
   * Native fields an update or patch may send (the source's update schema); undefined: any. The
   * mutation layer refuses a change to another field before calling the source, with an error that
   * says so, instead of letting it be dropped silently.
   */
  readonly updateFields?: readonly string[];
  /**
   * A list field the source's update replaces whole while the mapping turns each of its items into
   * a resource of its own (Jane observation `values`: one Observation per reading). An update of one
   * such resource sends the source's current list with only that resource's items replaced (matched
   * by `key`), so the record's other items are kept.
   */
  readonly itemsPerResource?: { readonly field: string; readonly key: string };
  /** OAuth scopes a connection needs for this row. */
  readonly scopes: readonly string[];
  /** Seed trigger ids served by this row (see triggers.ts), e.g. `jane.patient.created`. */
  readonly triggers: readonly string[];
  /** Seed action ids served by this row, e.g. `jane.observation.create`. */
  readonly actions: readonly string[];
  /** Rows that must be polled before this one (Epic patient-scoped rows need `Patient`). */
  readonly dependsOn?: readonly string[];
  /**
   * Set when this row is not polled on its own: the key of the row whose poll already delivers
   * its records (DrChrono `patients_summary` serves the `patients` records), or `none` when the
   * source cannot list them (Jane document uploads). Polling such a row yields no pages.
   */
  readonly polledBy?: string;
  /**
   * How the source marks a record it deleted, when it keeps listing it (DrChrono's `deleted_flag`
   * on appointments and `archived` on documents, Epic's `entered-in-error`): such a record's
   * resources become store tombstones. Hard deletions are only seen by full-scan rows (docs/sync.md).
   */
  readonly deletedWhen?: DeletionMark;
  /**
   * Set on a row that lists deletion notices of another row's records (DrChrono's
   * `line_item_deletions`): `idField` names the deleted record's native id in `row`. Its records
   * are not mapped; the resources the deleted record stood for become tombstones.
   */
  readonly deletionFeedOf?: { readonly row: string; readonly idField: string };
  /**
   * Set on rows polled less often than every run (DrChrono's chart rows, which serve no seed
   * trigger): at most once per this many ms, and only when the budget's spare allows it after the
   * every-run rows' share of the window (src/sync/poll-plan.ts). Undefined: every run.
   */
  readonly pollEveryMs?: number;
};

/** A record is deleted at the source when its `field` equals `equals`. */
export type DeletionMark = { readonly field: string; readonly equals: string | boolean };

/** A seed trigger: what the market's connector calls it, and which change event satisfies it. */
export type TriggerDefinition = {
  /** Stable id, `<source>.<thing>.<event>`, e.g. `drchrono.appointment.updated`. */
  readonly id: string;
  readonly source: SourceSystem;
  /** The seed page's name for it, verbatim (e.g. "New Patient Created"). */
  readonly seedName: string;
  /** Catalog row whose records fire it. */
  readonly row: string;
  readonly resourceType: string;
  /** Which store change kinds satisfy it. */
  readonly kinds: ReadonlyArray<'created' | 'updated' | 'deleted'>;
  /**
   * Other resource types mapped from the same native record whose change satisfies it too, when
   * the record's `resourceType` resource did not change (Jane's treatment price lives in its
   * ChargeItemDefinition, not in the ActivityDefinition). One record change fires it once.
   */
  readonly alsoOn?: readonly string[];
  /** Optional FHIRPath on the resource that must be true (e.g. a status filter), as data. */
  readonly criteria?: string;
};

/**
 * A non-CRUD source operation, as data (`src/connectors/<source>/operations.ts`). The mutation
 * layer exposes each as a named GraphQL mutation (`graphqlField`, camelCase, prefixed by source,
 * e.g. `epicAppointmentBook`) that takes a connection, an `idempotencyKey` and FHIR input.
 */
export type NamedOperation = {
  /** Stable id, `<source>.<thing>.<verb>`, e.g. `epic.appointment.book`. */
  readonly id: string;
  readonly source: SourceSystem;
  /** Catalog row the operation belongs to (its path, mapping entity, scopes). */
  readonly row: string;
  readonly graphqlField: string;
  /** Seed action ids this operation serves. */
  readonly actions: readonly string[];
  /** HTTP method and path under the connection's base URL; `{id}` / `{parentId}` are filled in. */
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** FHIR type of the input (`Parameters`, a resource type) and of what is answered. */
  readonly inputType: string;
  readonly outputType: string;
  readonly scopes: readonly string[];
  /**
   * Set when the operation acts on a stored resource: the caller names it by gateway id (its native
   * id fills `{parentId}`), and with `element` one element of it by element id (`{id}`, e.g. a care
   * plan's activity). The input (`inputType`, that element's type) is merged into the stored
   * resource, validated there and reverse-mapped with the row's template; the native body is that
   * element's item of `nativeElement` in the payload. After the call the target is read back from
   * the source and stored, and is the answer.
   */
  readonly target?: { readonly type: string; readonly element?: string; readonly nativeElement?: string };
  /**
   * Set when an operation without `target` acts on one record named by id (argument `id`), whose
   * native id fills `{id}`: the caller gives that resource's gateway id (`type`); it must be a current
   * resource of the caller's tenant, of the connection and of the operation's row. (Source ids are
   * not taken: every id a client holds is a gateway id.)
   */
  readonly subject?: { readonly type: string };
  /**
   * How a `Parameters` input becomes a native JSON body: native field → the parameter of that
   * name. A `valueReference` is sent as the native id of the resource it names (guarded like every
   * reference), any other `value[x]` as it is; `integer` sends the value as a number.
   */
  readonly body?: Readonly<
    Record<string, { readonly parameter: string; readonly integer?: boolean; readonly required?: boolean }>
  >;
  /**
   * How the source's answer comes back: `record`: the row's native record, stored as a poll would
   * and answered as `outputType`; `parameters`: a `Parameters` of the named native fields
   * (parameter name → native field, `valueString`). A bodiless success (204) with `outputType`
   * `OperationOutcome` is answered as an informational OperationOutcome.
   */
  readonly answer?: 'record' | { readonly parameters: Readonly<Record<string, string>> };
};

/** Where a poll resumes: serialised into the watermark store after the page is committed. */
export type Watermark = string;

/** One page of native records, in the order the source gave them. */
export type RecordPage = {
  readonly records: readonly unknown[];
  /**
   * The watermark to store once this page (and every page before it) is committed; undefined
   * while the source's order does not yet let the watermark move (it is set on a later page).
   */
  readonly watermark: Watermark | undefined;
};

export type PollRequest = {
  readonly row: CatalogRow;
  /** undefined: first run, a backfill of everything the source holds. */
  readonly watermark: Watermark | undefined;
  readonly signal?: AbortSignal;
};

/** A connection's live session with its source: authenticated, within its request budget. */
export type ConnectorSession = {
  readonly connection: Connection;
  /** Pages of records changed since the watermark; pages stream (bounded memory). */
  poll(request: PollRequest): AsyncIterable<RecordPage>;
  /** One native record by id (find actions with `fresh: true`). */
  read(row: CatalogRow, nativeId: string, signal?: AbortSignal): Promise<unknown | undefined>;
  /** A native write; answers the source's record as it now stands. */
  write(
    row: CatalogRow,
    operation: 'create' | 'update' | 'patch' | 'delete',
    payload: { nativeId?: string; body?: Record<string, unknown> },
    signal?: AbortSignal,
  ): Promise<unknown>;
  /**
   * A named source operation that is not CRUD (Epic `Appointment/$find`, `$book`; a Jane care-plan
   * activity under its care plan), described as data by a `NamedOperation`. Answers the source's
   * response body (a FHIR Bundle/resource or a native record). Sources without any leave it out.
   */
  invoke?(
    operation: NamedOperation,
    input: { nativeId?: string; parentNativeId?: string; body?: Record<string, unknown> },
    signal?: AbortSignal,
  ): Promise<unknown>;
  /** Requests used and allowed, last error: the operations view reads this. */
  status(): ConnectorStatus;
  /** Re-reads the request budget's figures shared through the store (every process's), for `status`. */
  refreshStatus?(): Promise<void>;
  close(): Promise<void>;
};

export type ConnectorStatus = {
  readonly state: 'active' | 'needs_reauth' | 'backing_off' | 'circuit_open';
  readonly requestsUsed: {
    readonly window: string;
    readonly used: number;
    readonly limit: number;
    /** The window's length and kind (a fixed window resets at multiples of windowMs). */
    readonly windowMs?: number;
    readonly kind?: 'fixed' | 'sliding';
  }[];
  readonly lastError?: { readonly at: string; readonly code: string; readonly message: string };
};

/** One per source. */
export type Connector = {
  readonly source: SourceSystem;
  readonly catalog: readonly CatalogRow[];
  readonly triggers: readonly TriggerDefinition[];
  /**
   * Which row a create of this FHIR resource goes to, when several rows write one type (DrChrono:
   * a Communication is a patient message or a task note); undefined: the first row that can.
   */
  createRow?(resource: { readonly resourceType: string }): { row: string } | { reason: string };
  /** Non-CRUD operations the source offers (empty when none). */
  readonly operations?: readonly NamedOperation[];
  /** Opens a session for a stored connection (tokens from the store's encrypted secrets). */
  open(connection: Connection): Promise<ConnectorSession>;
};

/** Errors a session raises, by cause, so sync and mutations can react without parsing text. */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly code:
    | 'needs_reauth'
    | 'rate_limited'
    | 'unavailable'
    | 'bad_response'
    | 'not_found'
    | 'rejected'
    | 'conflict'
    | 'forbidden';
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  /** The source's own error code when it gave a code-shaped one (e.g. Epic `59133`); never free text. */
  readonly sourceCode: string | undefined;
  constructor(
    code: SourceError['code'],
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown; sourceCode?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.sourceCode = options.sourceCode;
  }
}
