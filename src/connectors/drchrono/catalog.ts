import { DRCHRONO_ACTIONS } from '../../actions/catalog/drchrono-actions.ts';
import type { CatalogRow, Operation } from '../connector.ts';

/**
 * DrChrono API v4: one row per native resource under `<base URL>/api/`. Lists page with
 * `{previous, results, next}` (absolute `next` URLs). Incremental polls use `since` (a DATE:
 * re-read from the day before the last record seen, deduped by the store's content hash) or,
 * on messages only, `updated_since` (a timestamp). Reference data with no change filter is read
 * whole. Adding an endpoint is a row here plus a mapping in mappings/drchrono/.
 */
export type DrChronoCatalogRow = CatalogRow & {
  /** Extra query parameters every list request of this row sends. */
  readonly listParams?: Readonly<Record<string, string>>;
  /** The list refuses to answer without a date filter (appointments, audit log): a backfill sends `since` anyway. */
  readonly requiresSince?: boolean;
  /**
   * DrChrono's bulk `*_list` endpoint for this row: a backfill reads it (one job, pages of 1,000)
   * instead of the paged list (pages of 250): 4× fewer requests from the 500-an-hour budget.
   */
  readonly bulkPath?: string;
  /** Creates need the practice's `practice_group` id, which FHIR input does not carry: the session adds it. */
  readonly practiceGroupOnCreate?: boolean;
  /**
   * Creates need an `exam_room` of the office, which FHIR input does not carry (exam rooms are not
   * Locations): the session books the office's first room unless the body names one.
   */
  readonly examRoomOnCreate?: boolean;
  /**
   * A record with no id of its own, addressed by these query parameters (`/api/yellow_notepad`):
   * its native id is their values joined by `-`, and a read asks the list path with them.
   */
  readonly lookupKeys?: readonly string[];
};

type RowInput = {
  key: string;
  entity?: string;
  fhirTypes: string[];
  cursor?: CatalogRow['cursor'];
  operations: Operation[];
  scopes: string[];
  /** The seed's thing names whose "New or Updated …" trigger this row's records fire. */
  triggerThings?: string[];
  polledBy?: string;
  dependsOn?: string[];
  listParams?: Record<string, string>;
  requiresSince?: boolean;
  bulk?: boolean;
  practiceGroupOnCreate?: boolean;
  examRoomOnCreate?: boolean;
  lookupKeys?: string[];
  deletedWhen?: CatalogRow['deletedWhen'];
  deletionFeedOf?: CatalogRow['deletionFeedOf'];
};

const row = (r: RowInput): DrChronoCatalogRow => ({
  key: r.key,
  source: 'drchrono',
  path: `/api/${r.key}`,
  idField: 'id',
  entity: r.entity ?? r.key,
  fhirTypes: r.fhirTypes,
  paging: 'next-url',
  cursor: r.cursor ?? 'since-date-overlap',
  operations: r.operations,
  scopes: r.scopes,
  triggers: (r.triggerThings ?? []).map((t) => `drchrono.${t}.new_or_updated`),
  // The seed actions that go through this endpoint, from the action catalog (one source of truth).
  actions: DRCHRONO_ACTIONS.filter((a) => a.row === r.key).map((a) => a.id),
  ...(r.polledBy ? { polledBy: r.polledBy } : {}),
  ...(r.dependsOn ? { dependsOn: r.dependsOn } : {}),
  ...(r.listParams ? { listParams: r.listParams } : {}),
  ...(r.requiresSince ? { requiresSince: true } : {}),
  ...(r.deletedWhen ? { deletedWhen: r.deletedWhen } : {}),
  ...(r.deletionFeedOf ? { deletionFeedOf: r.deletionFeedOf } : {}),
  ...(r.bulk ? { bulkPath: `/api/${r.key}_list` } : {}),
  ...(r.practiceGroupOnCreate ? { practiceGroupOnCreate: true } : {}),
  ...(r.examRoomOnCreate ? { examRoomOnCreate: true } : {}),
  ...(r.lookupKeys ? { lookupKeys: r.lookupKeys } : {}),
});

const RW: Operation[] = ['read', 'search', 'create', 'update', 'patch'];
const RWD: Operation[] = [...RW, 'delete'];
const RO: Operation[] = ['read', 'search'];

export const DRCHRONO_CATALOG: readonly DrChronoCatalogRow[] = [
  // Reference data first: appointments and tasks point at doctors, offices, users.
  row({
    key: 'doctors',
    fhirTypes: ['Practitioner', 'PractitionerRole'],
    cursor: 'full-scan',
    operations: RO,
    scopes: ['user:read'],
  }),
  row({
    key: 'offices',
    fhirTypes: ['Location'],
    cursor: 'full-scan',
    operations: ['read', 'search', 'update', 'patch'],
    scopes: ['user:read'],
  }),
  row({ key: 'staff', fhirTypes: ['Practitioner'], cursor: 'full-scan', operations: RO, scopes: [] }),
  row({ key: 'users', fhirTypes: ['PractitionerRole'], cursor: 'full-scan', operations: RO, scopes: [] }),
  row({
    key: 'patients',
    bulk: true,
    fhirTypes: ['Patient'],
    operations: RWD,
    scopes: ['patients:read'],
    triggerThings: ['patient', 'patient_summary'],
  }),
  row({
    key: 'patients_summary',
    entity: 'patients',
    fhirTypes: ['Patient'],
    operations: RWD,
    scopes: ['patients:summary:read'],
    polledBy: 'patients',
  }),
  row({
    key: 'patient_messages',
    fhirTypes: ['Communication'],
    operations: ['read', 'search', 'create', 'update', 'patch'],
    scopes: ['messages:read'],
    triggerThings: ['patient_message'],
    dependsOn: ['patients'],
  }),
  row({
    key: 'patient_payments',
    fhirTypes: ['PaymentReconciliation'],
    operations: ['read', 'search', 'create'],
    scopes: ['billing:patient-payment:read'],
    triggerThings: ['patient_payment'],
    dependsOn: ['patients'],
  }),
  row({
    key: 'appointments',
    fhirTypes: ['Appointment', 'Encounter', 'Observation'],
    // Vitals (the Observations) are verbose-only fields; verbose pages hold 25 appointments.
    // Deleted appointments stay listed with `deleted_flag` only when asked (show_archived).
    listParams: { verbose: 'true', show_archived: 'true' },
    requiresSince: true,
    deletedWhen: { field: 'deleted_flag', equals: true },
    operations: RWD,
    examRoomOnCreate: true,
    scopes: ['calendar:read'],
    triggerThings: ['appointment', 'appointments_list'],
    dependsOn: ['patients'],
  }),
  row({
    key: 'appointments_list',
    entity: 'appointments',
    fhirTypes: ['Appointment', 'Encounter', 'Observation'],
    operations: RO,
    scopes: ['calendar:read'],
    polledBy: 'appointments',
  }),
  row({
    key: 'lab_orders',
    fhirTypes: ['ServiceRequest'],
    operations: RWD,
    scopes: ['labs:read'],
    triggerThings: ['lab_order'],
    dependsOn: ['patients'],
  }),
  row({
    key: 'lab_documents',
    fhirTypes: ['DocumentReference'],
    operations: RWD,
    scopes: ['labs:read'],
    triggerThings: ['lab_document'],
    dependsOn: ['lab_orders'],
  }),
  row({
    key: 'documents',
    fhirTypes: ['DocumentReference'],
    // DELETE on a document only archives it.
    deletedWhen: { field: 'archived', equals: true },
    operations: RWD,
    scopes: ['patients:read'],
    triggerThings: ['document'],
    dependsOn: ['patients'],
  }),
  row({
    key: 'fee_schedules',
    fhirTypes: ['ChargeItemDefinition'],
    operations: RO,
    scopes: ['billing:read'],
    triggerThings: ['fee_schedule'],
  }),
  row({
    key: 'line_items',
    bulk: true,
    fhirTypes: ['ChargeItem'],
    operations: RWD,
    scopes: ['billing:read'],
    triggerThings: ['line_item'],
    dependsOn: ['appointments'],
  }),
  row({
    // DELETE removes a line item and logs its id here: the feed of line item deletions.
    key: 'line_item_deletions',
    fhirTypes: [],
    operations: ['search'],
    scopes: ['billing:read'],
    deletionFeedOf: { row: 'line_items', idField: 'billing_line_item_id' },
    dependsOn: ['line_items'],
  }),
  row({
    key: 'transactions',
    bulk: true,
    fhirTypes: ['PaymentReconciliation'],
    operations: RO,
    scopes: ['billing:read'],
    triggerThings: ['transaction'],
    dependsOn: ['line_items'],
  }),
  row({
    key: 'prescription_messages',
    bulk: true,
    fhirTypes: ['Communication'],
    operations: RO,
    scopes: ['clinical:read'],
    triggerThings: ['prescription_message'],
    dependsOn: ['patients'],
  }),
  row({
    key: 'comm_logs',
    fhirTypes: ['Communication'],
    operations: RW,
    scopes: ['calendar:read'],
    triggerThings: ['comm_log'],
    dependsOn: ['patients'],
  }),
  row({
    key: 'messages',
    fhirTypes: ['Communication'],
    cursor: 'updated-since',
    operations: RWD,
    scopes: ['messages:read'],
    triggerThings: ['message'],
    dependsOn: ['patients'],
  }),
  row({
    key: 'task_categories',
    fhirTypes: ['Basic'],
    operations: RW,
    practiceGroupOnCreate: true,
    scopes: ['tasks:read'],
    triggerThings: ['task_category'],
  }),
  row({
    key: 'task_statuses',
    fhirTypes: ['Basic'],
    operations: RW,
    practiceGroupOnCreate: true,
    scopes: ['tasks:read'],
    triggerThings: ['task_status'],
  }),
  row({
    key: 'task_templates',
    fhirTypes: ['ActivityDefinition'],
    operations: RW,
    scopes: ['tasks:read'],
    triggerThings: ['task_template'],
    dependsOn: ['task_categories', 'task_statuses'],
  }),
  row({
    key: 'tasks',
    fhirTypes: ['Task'],
    // The patient (associated_items) and the notes are verbose-only fields (x-verbose-required).
    listParams: { verbose: 'true' },
    operations: RW,
    scopes: ['tasks:read'],
    triggerThings: ['task'],
    dependsOn: ['task_categories', 'task_statuses'],
  }),
  row({
    key: 'task_notes',
    fhirTypes: ['Communication'],
    operations: RW,
    scopes: ['tasks:read'],
    triggerThings: ['task_note'],
    dependsOn: ['tasks'],
  }),
  row({
    key: 'clinical_notes',
    fhirTypes: ['DocumentReference'],
    operations: RO,
    scopes: ['clinical:read'],
    dependsOn: ['appointments'],
  }),
  // Written and read by id, not polled (polledBy `none`): CQM entries, amendments and signed
  // consent forms carry no seed trigger, and polling them would spend the 500-an-hour budget.
  ...(
    [
      ['patient_communications', 'Communication'],
      ['patient_interventions', 'Procedure'],
      ['patient_physical_exams', 'Observation'],
      ['patient_risk_assessments', 'Observation'],
    ] as const
  ).map(([key, type]) =>
    row({
      key,
      fhirTypes: [type],
      operations: ['read', 'create', 'update', 'patch'],
      scopes: ['clinical:read'],
      polledBy: 'none',
      dependsOn: ['patients'],
    }),
  ),
  row({
    key: 'amendments',
    fhirTypes: ['DocumentReference'],
    operations: ['read', 'create', 'update', 'patch', 'delete'],
    scopes: ['clinical:read'],
    polledBy: 'none',
    dependsOn: ['patients'],
  }),
  row({
    key: 'signed_consent_forms',
    fhirTypes: ['DocumentReference'],
    // DrChrono updates signatures by a PATCH on the collection (per patient), not by id.
    operations: ['read', 'create'],
    scopes: ['patients:read'],
    polledBy: 'none',
    dependsOn: ['patients'],
  }),
  row({
    key: 'inventory_categories',
    fhirTypes: ['Basic'],
    operations: RO,
    scopes: ['clinical:read'],
    triggerThings: ['inventory_category'],
  }),
  row({
    key: 'inventory_vaccines',
    fhirTypes: ['Medication'],
    operations: ['read', 'search', 'create'],
    scopes: ['clinical:read'],
    triggerThings: ['inventory_vaccine'],
    dependsOn: ['inventory_categories'],
  }),
  // Practice configuration (issue 15/13, docs/mapping-decisions.md): read whole (no change filter
  // on these lists), small, and rarely changed.
  row({
    key: 'consent_forms',
    fhirTypes: ['Questionnaire'],
    cursor: 'full-scan',
    operations: RW,
    scopes: ['patients:read'],
  }),
  row({
    key: 'patient_flag_types',
    fhirTypes: ['Basic'],
    cursor: 'full-scan',
    operations: RW,
    scopes: ['patients:read'],
  }),
  row({
    key: 'clinical_note_templates',
    fhirTypes: ['Questionnaire'],
    // The field types (the Questionnaire's items) are verbose-only fields (x-verbose-required).
    listParams: { verbose: 'true' },
    cursor: 'full-scan',
    operations: RO,
    scopes: ['clinical:read'],
  }),
  row({
    // Each value is also text of its note's DocumentReference (clinical_notes): written and read by
    // id, not polled (16,000 records a practice would spend the budget to store the notes twice).
    key: 'clinical_note_field_values',
    fhirTypes: ['QuestionnaireResponse'],
    operations: ['read', 'create', 'update', 'patch'],
    scopes: ['clinical:read'],
    polledBy: 'none',
    dependsOn: ['appointments'],
  }),
  row({
    // One scratch pad per appointment and note template, no list to poll: written, read by its keys.
    key: 'yellow_notepad',
    fhirTypes: ['Basic'],
    operations: ['read', 'create'],
    scopes: ['clinical:read'],
    polledBy: 'none',
    lookupKeys: ['appointment_id', 'template_id'],
    dependsOn: ['appointments', 'clinical_note_templates'],
  }),
  row({
    // The edit history of patient payments (AuditEvent): read only, since-filtered.
    key: 'patient_payment_log',
    fhirTypes: ['AuditEvent'],
    operations: RO,
    scopes: ['billing:read'],
    dependsOn: ['patient_payments'],
  }),
  row({
    key: 'audit_log',
    fhirTypes: ['AuditEvent'],
    requiresSince: true,
    operations: RO,
    scopes: ['billing:read'],
    triggerThings: ['audit_log'],
  }),
];

/** Scopes a DrChrono connection asks for (read and write of every area the catalog touches). */
export const DRCHRONO_SCOPES: readonly string[] = [
  ...new Set(DRCHRONO_CATALOG.flatMap((r) => r.scopes.flatMap((s) => [s, s.replace(/:read$/, ':write')]))),
];
