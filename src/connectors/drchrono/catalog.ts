import { DRCHRONO_ACTIONS } from '../../actions/catalog/drchrono-actions.ts';
import type { CatalogRow, Operation } from '../connector.ts';
import { DRCHRONO_CHART_SCAN_EVERY_MS, DRCHRONO_CHART_SINCE_EVERY_MS } from './config.ts';

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
   * DrChrono updates this record by a PATCH on the collection (`?id=<id>&patient=<patient>`, the body
   * naming the record's consent form), not on the item: the session reads the record for those.
   */
  readonly patchOnCollection?: boolean;
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
  updateFields?: string[];
  patchOnCollection?: boolean;
  pollEveryMs?: number;
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
  ...(r.updateFields ? { updateFields: r.updateFields } : {}),
  ...(r.patchOnCollection ? { patchOnCollection: true } : {}),
  ...(r.pollEveryMs ? { pollEveryMs: r.pollEveryMs } : {}),
  ...(r.lookupKeys ? { lookupKeys: r.lookupKeys } : {}),
});

const RW: Operation[] = ['read', 'search', 'create', 'update', 'patch'];
const RWD: Operation[] = [...RW, 'delete'];
const RO: Operation[] = ['read', 'search'];

/** What chart records reference: the patient, the visit (Encounter) and the doctor. */
const CHART_DEPENDS_ON = ['patients', 'appointments', 'doctors'];

const TRIGGER_AND_REFERENCE_ROWS: readonly DrChronoCatalogRow[] = [
  // Reference data first: appointments and tasks point at doctors, offices, users.
  row({
    key: 'doctors',
    fhirTypes: ['Practitioner', 'PractitionerRole', 'Schedule'],
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
    bulk: true,
    fhirTypes: ['DocumentReference'],
    operations: RO,
    scopes: ['clinical:read'],
    dependsOn: ['appointments'],
    pollEveryMs: DRCHRONO_CHART_SINCE_EVERY_MS,
  }),
  // CQM entries, amendments and signed consent forms carry no seed trigger and no change filter:
  // chart rows, read whole once an hour (pollEveryMs); a hard DELETE is seen by set difference.
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
      cursor: 'full-scan',
      operations: ['read', 'search', 'create', 'update', 'patch'],
      scopes: ['clinical:read'],
      dependsOn: CHART_DEPENDS_ON,
      pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
    }),
  ),
  row({
    key: 'amendments',
    fhirTypes: ['DocumentReference'],
    cursor: 'full-scan',
    operations: ['read', 'search', 'create', 'update', 'patch', 'delete'],
    scopes: ['clinical:read'],
    dependsOn: CHART_DEPENDS_ON,
    pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
  }),
  row({
    key: 'signed_consent_forms',
    fhirTypes: ['DocumentReference'],
    cursor: 'full-scan',
    // An archived (deleted) form stays listed with `archived`: a tombstone, like documents.
    deletedWhen: { field: 'archived', equals: true },
    // DrChrono updates signatures by a PATCH on the collection (per patient), not on the item; it
    // changes only the appointment, the file and the archived flag (its OpenAPI body).
    operations: ['read', 'search', 'create', 'update', 'patch'],
    patchOnCollection: true,
    updateFields: ['appointment', 'signature_file', 'archived'],
    scopes: ['patients:read'],
    dependsOn: CHART_DEPENDS_ON,
    pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
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
    pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
    operations: RW,
    scopes: ['patients:read'],
  }),
  row({
    key: 'patient_flag_types',
    fhirTypes: ['Basic'],
    cursor: 'full-scan',
    pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
    operations: RW,
    scopes: ['patients:read'],
  }),
  row({
    key: 'clinical_note_templates',
    fhirTypes: ['Questionnaire'],
    // The field types (the Questionnaire's items) are verbose-only fields (x-verbose-required).
    listParams: { verbose: 'true' },
    cursor: 'full-scan',
    pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
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
    pollEveryMs: DRCHRONO_CHART_SINCE_EVERY_MS,
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
  // Calendar configuration (h-drcsched): small, rarely changed, and DrChrono offers no `since` on
  // these lists, so they are read whole (full-scan, which also sees hard deletes).
  row({
    key: 'schedule_blocks',
    fhirTypes: ['Slot'],
    cursor: 'full-scan',
    pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
    operations: RWD,
    scopes: ['calendar:read'],
    dependsOn: ['doctors', 'offices'],
  }),
  row({
    key: 'reminder_profiles',
    fhirTypes: ['Basic'],
    cursor: 'full-scan',
    pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
    operations: RWD,
    scopes: ['calendar:read'],
    dependsOn: ['doctors'],
  }),
  row({
    key: 'telehealth_appointments',
    fhirTypes: ['Basic'],
    cursor: 'full-scan',
    pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
    // DrChrono offers no DELETE: a video visit goes with its appointment.
    operations: RW,
    scopes: ['calendar:read', 'clinical:read'],
    dependsOn: ['appointments'],
  }),
  row({
    key: 'appointment_templates',
    fhirTypes: ['Schedule'],
    cursor: 'full-scan',
    pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
    // DELETE only archives a template (DrChrono: "soft-deleted"); it stays listed.
    deletedWhen: { field: 'archived', equals: true },
    operations: RWD,
    examRoomOnCreate: true,
    scopes: ['calendar:read'],
    dependsOn: ['offices', 'appointment_profiles'],
  }),
  row({
    key: 'appointment_profiles',
    fhirTypes: ['ActivityDefinition'],
    cursor: 'full-scan',
    pollEveryMs: DRCHRONO_CHART_SCAN_EVERY_MS,
    // DELETE only archives a profile (DrChrono: "soft-deleted"); it stays listed.
    deletedWhen: { field: 'archived', equals: true },
    operations: RWD,
    scopes: ['calendar:read'],
    dependsOn: ['doctors'],
  }),
];

/**
 * DrChrono's chart (issue 13 mapped it; no seed trigger fires on it). Only vaccine records (and
 * patient lab results, which are hard-deleted) offer `since`; the rest have no change filter and are read whole (full
 * scan: deletions seen by set difference), paced to once an hour; a bulk `*_list` backfills where
 * DrChrono has one. Chart resources reference patients, visits (Encounters) and doctors, which
 * are polled first. Read-only here: writes of chart records are not wired (write-rows.ts).
 * Insurances (mapped to payer Organizations) have no row: the list is the clearinghouse's payer
 * directory, not the practice's data, and needs a `payer_type` a connection does not know;
 * coverages name payers by payer id.
 */
const chart = (
  key: string,
  fhirTypes: string[],
  scopes: string[],
  extra: Partial<RowInput> = {},
): DrChronoCatalogRow =>
  row({
    key,
    fhirTypes,
    cursor: 'full-scan',
    operations: RO,
    scopes,
    dependsOn: CHART_DEPENDS_ON,
    pollEveryMs:
      extra.cursor === 'since-date-overlap' ? DRCHRONO_CHART_SINCE_EVERY_MS : DRCHRONO_CHART_SCAN_EVERY_MS,
    ...extra,
  });

const CHART_ROWS: readonly DrChronoCatalogRow[] = [
  chart('problems', ['Condition'], ['clinical:read']),
  chart('medications', ['MedicationRequest'], ['clinical:read']),
  chart('allergies', ['AllergyIntolerance'], ['clinical:read']),
  chart('procedures', ['Procedure'], ['billing:read']),
  chart('patient_vaccine_records', ['Immunization'], ['clinical:read'], { cursor: 'since-date-overlap' }),
  // Offers `since`, but DELETE removes a result set: read whole, so a deletion is seen.
  chart('patient_lab_results', ['Observation'], ['labs:read']),
  chart('lab_tests', ['DiagnosticReport'], ['labs:read'], {
    dependsOn: [...CHART_DEPENDS_ON, 'lab_orders'],
  }),
  chart('lab_results', ['Observation'], ['labs:read'], {
    dependsOn: [...CHART_DEPENDS_ON, 'lab_orders', 'lab_documents'],
  }),
  // Lab vendor locations: the performers lab orders name.
  chart('sublabs', ['Organization'], ['labs:read'], { dependsOn: [] }),
  chart('care_plans', ['CarePlan'], ['clinical:read']),
  chart('care_team_members', ['CareTeam'], ['clinical:read'], {
    dependsOn: [...CHART_DEPENDS_ON, 'users'],
  }),
  // An archived device was removed from the chart: a tombstone.
  chart('implantable_devices', ['Device'], ['clinical:read'], {
    deletedWhen: { field: 'archived', equals: true },
  }),
  chart('eobs', ['PaymentReconciliation'], ['billing:read']),
  chart('eligibility_checks', ['CoverageEligibilityResponse'], ['calendar:read'], { bulk: true }),
  // Listed only: DrChrono has no GET by id for authorizations (no read-through).
  chart('patient_authorizations', ['ClaimResponse'], ['patients:read'], { operations: ['search'] }),
];

export const DRCHRONO_CATALOG: readonly DrChronoCatalogRow[] = [...TRIGGER_AND_REFERENCE_ROWS, ...CHART_ROWS];

/** Scopes a DrChrono connection asks for (read and write of every area the catalog touches). */
export const DRCHRONO_SCOPES: readonly string[] = [
  ...new Set(DRCHRONO_CATALOG.flatMap((r) => r.scopes.flatMap((s) => [s, s.replace(/:read$/, ':write')]))),
];
