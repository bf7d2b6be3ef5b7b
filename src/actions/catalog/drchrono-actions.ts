import { DRCHRONO_ACTIONS as DRCHRONO_DECISIONS } from '../../connectors/drchrono/actions.ts';
import type { ActionDefinition, ActionKind } from './action-definition.ts';
import { overlayDecisions } from './overlay-decisions.ts';

/** How an action is met, in short: the seed name, the DrChrono endpoint and verb, and the FHIR side. */
type Spec = readonly [seedName: string, endpoint: string, verb: string, fhirType?: string, how?: How];
type How =
  /** A write DrChrono offers and issue 15 covers (patients, appointments, clinical notes, tasks, documents). */
  | 'write'
  /** The same record through the sibling endpoint (patients_summary, appointments_list): the main endpoint's field. */
  | { readonly via: string }
  /** A find over a list: `XList(...)` with the search the seed action filters by. */
  | { readonly list: string };

const VERB_KIND: Record<string, ActionKind> = {
  create: 'create',
  read: 'find',
  update: 'update',
  patch: 'update',
  delete: 'delete',
};
const FIELD_SUFFIX: Record<string, string> = {
  create: 'Create',
  update: 'Update',
  patch: 'Patch',
  delete: 'Delete',
};

const OUT_OF_SCOPE =
  'not in issue 15 (DrChrono writes beyond patients, appointments, clinical notes, tasks and documents follow in their own issue)';
const NO_MAPPING = 'no FHIR mapping for this DrChrono endpoint yet';
const NOT_CRUD =
  'a DrChrono operation that is not CRUD (a job, an invite or a sub-action): no named operation for it yet';

/** Endpoints whose singular is not the plural minus its `s`. */
const SINGULAR: Readonly<Record<string, string>> = {
  patients_summary: 'patient_summary',
  patients_onpatient_access: 'patient_onpatient_access',
  fee_schedules_v2: 'fee_schedule_v2',
  clinical_notes_list: 'clinical_notes_batch',
  custom_demographics: 'custom_demographic',
};
const KEEP = /(_list|_log|_schedule|_history|_notepad|^staff)$/;

/** The action id's thing: the endpoint's record, singular (`lab_orders` → `lab_order`). */
function thingOf(endpoint: string): string {
  const known = SINGULAR[endpoint];
  if (known) return known;
  if (KEEP.test(endpoint)) return endpoint;
  if (endpoint.endsWith('ies')) return `${endpoint.slice(0, -3)}y`;
  if (endpoint.endsWith('statuses')) return endpoint.slice(0, -2);
  return endpoint.replace(/s$/, '');
}

function action(group: string, [seedName, endpoint, verb, fhirType, how]: Spec): ActionDefinition {
  const listed = how !== undefined && typeof how === 'object' && 'list' in how ? how.list : undefined;
  const kind: ActionKind = listed !== undefined ? 'find' : (VERB_KIND[verb] ?? 'operation');
  // Every action names the endpoint row it goes through (CatalogRow.actions lists it there).
  const base = {
    id: `drchrono.${thingOf(endpoint)}.${verb}`,
    source: 'drchrono' as const,
    seedName,
    group,
    kind,
    row: endpoint,
  };
  if (kind === 'operation') return { ...base, status: 'not_yet_available', reason: NOT_CRUD };
  if (!fhirType) return { ...base, status: 'not_yet_available', reason: NO_MAPPING };
  if (kind === 'find') {
    if (listed !== undefined)
      return {
        ...base,
        status: 'alternative',
        reason: `a FHIR search: ${fhirType}List(${listed}: …) lists them`,
        field: `${fhirType}List`,
        fhirType,
      };
    return { ...base, status: 'available', field: fhirType, fhirType };
  }
  const write = verb as 'create' | 'update' | 'patch' | 'delete';
  const field = `${fhirType}${FIELD_SUFFIX[verb]}`;
  if (how === 'write')
    return { ...base, status: 'available', field, fhirType, write, payload: 'reverse-mapping' };
  if (how && typeof how === 'object' && 'via' in how)
    return {
      ...base,
      status: 'alternative',
      reason: `/api/${endpoint} is another view of the /api/${how.via} record: ${field} writes it there`,
      field,
      fhirType,
      row: how.via,
      write,
      payload: 'reverse-mapping',
    };
  return { ...base, status: 'not_yet_available', reason: OUT_OF_SCOPE, fhirType };
}

const section = (group: string, specs: readonly Spec[]) => specs.map((s) => action(group, s));

/**
 * DrChrono's 174 seed actions (seed 001), by the API endpoint they call (`drchrono.<record>.<verb>`:
 * the endpoint's record, singular, and the verb of the OpenAPI operation id). Finds are the `X(id)` queries for every endpoint the
 * gateway maps; writes are in issue 15's scope for patients, appointments, clinical notes, tasks
 * and documents; the rest wait for their own issue.
 */
const DRCHRONO_DEFAULTS: readonly ActionDefinition[] = [
  ...section('Doctor & User', [
    ['Get Doctor', 'doctors', 'read', 'Practitioner'],
    ['Get User', 'users', 'read', 'PractitionerRole'],
    ['Get Doctor Options', 'doctor_options', 'read'],
  ]),
  ...section('Patient Management', [
    ['Create Patient', 'patients', 'create', 'Patient', 'write'],
    ['Update Patient', 'patients', 'update', 'Patient', 'write'],
    ['Patients Read', 'patients', 'read', 'Patient'],
    ['Delete Patient', 'patients', 'delete', 'Patient', 'write'],
    ['Create Patient Summary', 'patients_summary', 'create', 'Patient', { via: 'patients' }],
    ['Update Patient Summary', 'patients_summary', 'update', 'Patient', { via: 'patients' }],
    ['Patients Summary Read', 'patients_summary', 'read', 'Patient'],
    ['Delete Patient Summary', 'patients_summary', 'delete', 'Patient', { via: 'patients' }],
    ['Patients OnPatient Access Read', 'patients_onpatient_access', 'read'],
    ['Send OnPatient Invite', 'patients_onpatient_access', 'invite'],
    ['Revoke OnPatient Invite', 'patients_onpatient_access', 'revoke'],
    ['Create Patient Message', 'patient_messages', 'create', 'Communication', 'write'],
    ['Patient Messages Read', 'patient_messages', 'read', 'Communication'],
    ['Create Patient Communication', 'patient_communications', 'create', 'Communication'],
    ['Patient Communications Read', 'patient_communications', 'read', 'Communication'],
    ['Update Patient Communication', 'patient_communications', 'update', 'Communication'],
    ['Create Patient Intervention', 'patient_interventions', 'create', 'Procedure'],
    ['Update Patient Intervention', 'patient_interventions', 'update', 'Procedure'],
    ['Patient Interventions Read', 'patient_interventions', 'read', 'Procedure'],
    ['Create Patient Physical Exam', 'patient_physical_exams', 'create', 'Observation'],
    ['Update Patient Physical Exam', 'patient_physical_exams', 'update', 'Observation'],
    ['Create Patient Risk Assessment', 'patient_risk_assessments', 'create', 'Observation'],
    ['Update Patient Risk Assessment', 'patient_risk_assessments', 'update', 'Observation'],
    ['Patient Risk Assessments Read', 'patient_risk_assessments', 'read', 'Observation'],
    ['Create Patient Flag Type', 'patient_flag_types', 'create'],
    ['Update Patient Flag Type', 'patient_flag_types', 'update'],
    ['Patient Flag Types Read', 'patient_flag_types', 'read'],
    ['Create Patient Payment', 'patient_payments', 'create', 'PaymentReconciliation', 'write'],
    ['Patient Payments Read', 'patient_payments', 'read', 'PaymentReconciliation'],
    ['Patient Payment Log Read', 'patient_payment_log', 'read'],
  ]),
  ...section('Appointments', [
    ['Create Appointment On Doctor Calendar', 'appointments', 'create', 'Appointment', 'write'],
    ['Update Appointment', 'appointments', 'update', 'Appointment', 'write'],
    ['Appointments Read', 'appointments', 'read', 'Appointment'],
    ['Delete Appointment', 'appointments', 'delete', 'Appointment', 'write'],
    ['Create Appointment Profile', 'appointment_profiles', 'create'],
    ['Update Appointment Profile', 'appointment_profiles', 'update'],
    ['Appointment Profiles Read', 'appointment_profiles', 'read'],
    ['Delete Appointment Profile', 'appointment_profiles', 'delete'],
    ['Update Appointment Template', 'appointment_templates', 'update'],
    ['Appointment Templates Read', 'appointment_templates', 'read'],
    ['Delete Appointment Template', 'appointment_templates', 'delete'],
    ['Update Appointments List', 'appointments_list', 'update', 'Appointment', { via: 'appointments' }],
    ['Appointments List Read', 'appointments_list', 'read', 'Appointment'],
    ['Delete Appointments List', 'appointments_list', 'delete', 'Appointment', { via: 'appointments' }],
    ['Create Telehealth Appointment', 'telehealth_appointments', 'create'],
    ['Update Telehealth Appointment', 'telehealth_appointments', 'update'],
    ['Telehealth Appointments Read', 'telehealth_appointments', 'read'],
    ['Create Telehealth Appointment History', 'telehealth_appointment_history', 'create'],
    ['Telehealth Appointment History Read', 'telehealth_appointment_history', 'read'],
    ['Create Schedule Block', 'schedule_blocks', 'create'],
    ['Update Schedule Block', 'schedule_blocks', 'update'],
    ['Schedule Blocks Read', 'schedule_blocks', 'read'],
    ['Delete Schedule Block', 'schedule_blocks', 'delete'],
    ['Create Reminder Profile', 'reminder_profiles', 'create'],
    ['Update Reminder Profile', 'reminder_profiles', 'update'],
    ['Reminder Profiles Read', 'reminder_profiles', 'read'],
    ['Delete Reminder Profile', 'reminder_profiles', 'delete'],
  ]),
  ...section('Clinical Notes', [
    ['Create Clinical Notes Batch', 'clinical_notes_list', 'start_job'],
    ['Get Clinical Notes Batch', 'clinical_notes_list', 'job_status'],
    ['Clinical Notes Read', 'clinical_notes', 'read', 'DocumentReference'],
    ['Update Clinical Note Field Value', 'clinical_note_field_values', 'update'],
    ['Clinical Note Field Values Read', 'clinical_note_field_values', 'read'],
    ['Create Clinical Note Field Values List', 'clinical_note_field_values_list', 'start_job'],
    ['Clinical Note Templates Read', 'clinical_note_templates', 'read'],
    ['Clinical Note Field Types Read', 'clinical_note_field_types', 'read'],
    ['Create Yellow Notepad', 'yellow_notepad', 'create'],
    ['Yellow Notepad Retrieve', 'yellow_notepad', 'read'],
    ['Create Amendment', 'amendments', 'create', 'DocumentReference'],
    ['Update Amendment', 'amendments', 'update', 'DocumentReference'],
    ['Amendments Read', 'amendments', 'read', 'DocumentReference'],
    ['Delete Amendment', 'amendments', 'delete', 'DocumentReference'],
  ]),
  ...section('Lab & Diagnostics', [
    ['Create Lab Order', 'lab_orders', 'create', 'ServiceRequest'],
    ['Update Lab Order', 'lab_orders', 'update', 'ServiceRequest'],
    ['Get Lab Order', 'lab_orders', 'read', 'ServiceRequest'],
    ['Delete Lab Order', 'lab_orders', 'delete', 'ServiceRequest'],
    ['Create Lab Test', 'lab_tests', 'create', 'DiagnosticReport'],
    ['Update Lab Test', 'lab_tests', 'update', 'DiagnosticReport'],
    ['Lab Tests Read', 'lab_tests', 'read', 'DiagnosticReport'],
    ['Delete Lab Test', 'lab_tests', 'delete', 'DiagnosticReport'],
    ['Create Lab Result', 'lab_results', 'create', 'Observation'],
    ['Update Lab Result', 'lab_results', 'update', 'Observation'],
    ['Lab Results Read', 'lab_results', 'read', 'Observation'],
    ['Delete Lab Result', 'lab_results', 'delete', 'Observation'],
    ['Create Lab Document', 'lab_documents', 'create', 'DocumentReference'],
    ['Update Lab Document', 'lab_documents', 'update', 'DocumentReference'],
    ['Lab Documents Read', 'lab_documents', 'read', 'DocumentReference'],
    ['Delete Lab Document', 'lab_documents', 'delete', 'DocumentReference'],
    ['Create Patient Lab Result', 'patient_lab_results', 'create', 'Observation'],
    ['Update Patient Lab Result', 'patient_lab_results', 'update', 'Observation'],
    ['Patient Lab Results Read', 'patient_lab_results', 'read', 'Observation'],
    ['Delete Patient Lab Result', 'patient_lab_results', 'delete', 'Observation'],
    ['Get Sublab', 'sublabs', 'read', 'Organization'],
    ['Create Sublab', 'sublabs', 'create', 'Organization'],
    ['Delete Sublab', 'sublabs', 'delete', 'Organization'],
  ]),
  ...section('Medications & Vaccines', [
    ['Create Medication', 'medications', 'create', 'MedicationRequest'],
    ['Medications Read', 'medications', 'read', 'MedicationRequest'],
    ['Append to Pharmacy Note', 'medications', 'append_to_pharmacy_note'],
    ['Create Patient Vaccine Record', 'patient_vaccine_records', 'create', 'Immunization'],
    ['Patient Vaccine Records Read', 'patient_vaccine_records', 'read', 'Immunization'],
    ['Create Vaccine Inventory', 'inventory_vaccines', 'create', 'Medication'],
    ['Inventory Vaccines Read', 'inventory_vaccines', 'read', 'Medication'],
    ['Inventory Categories Read', 'inventory_categories', 'read', 'Basic'],
  ]),
  ...section('Billing & Insurance', [
    ['Create Line Item', 'line_items', 'create', 'ChargeItem'],
    ['Update Line Item', 'line_items', 'update', 'ChargeItem'],
    ['Line Items Read', 'line_items', 'read', 'ChargeItem'],
    ['Create Line Items List', 'line_items_list', 'start_job'],
    ['Create EOB', 'eobs', 'create', 'PaymentReconciliation'],
    ['EOBs Read', 'eobs', 'read', 'PaymentReconciliation'],
    ['Transactions Read', 'transactions', 'read', 'PaymentReconciliation'],
    ['Create Transactions List', 'transactions_list', 'start_job'],
    ['Create Claim Billing Note', 'claim_billing_notes', 'create'],
    ['Claim Billing Notes Read', 'claim_billing_notes', 'read'],
    ['Insurances Read', 'insurances', 'read', 'Organization'],
    ['Fee Schedules Read', 'fee_schedules', 'read', 'ChargeItemDefinition'],
    ['Fee Schedules V2 Read', 'fee_schedules_v2', 'read'],
    ['Billing Profiles Read', 'billing_profiles', 'read'],
    ['Procedures Read', 'procedures', 'read', 'Procedure'],
    ['Create Eligibility Checks List', 'eligibility_checks_list', 'start_job'],
    ['Eligibility Checks Read', 'eligibility_checks', 'read', 'CoverageEligibilityResponse'],
    ['Custom Insurance Plan Names Read', 'custom_insurance_plan_names', 'read'],
  ]),
  ...section('Documents & Consent Forms', [
    ['Create Document', 'documents', 'create', 'DocumentReference', 'write'],
    ['Update Document', 'documents', 'update', 'DocumentReference', 'write'],
    ['Documents Read', 'documents', 'read', 'DocumentReference'],
    ['Create Consent Form', 'consent_forms', 'create'],
    ['Update Consent Form', 'consent_forms', 'update'],
    ['Consent Forms Read', 'consent_forms', 'read'],
    ['Create Signed Consent Form', 'signed_consent_forms', 'create', 'DocumentReference'],
    ['Update Signed Consent Form', 'signed_consent_forms', 'patch', 'DocumentReference'],
    [
      'Get Signed Consent Forms by Patient',
      'signed_consent_forms',
      'list_by_patient',
      'DocumentReference',
      { list: 'patient' },
    ],
    ['Signed Consent Forms Read', 'signed_consent_forms', 'read', 'DocumentReference'],
    ['Apply Consent Form', 'consent_forms', 'apply_to_appointment'],
    ['Unapply Consent Form', 'consent_forms', 'unapply_from_appointment'],
  ]),
  ...section('Allergies, Problems & Care', [
    ['Create Allergy', 'allergies', 'create', 'AllergyIntolerance'],
    ['Update Allergy', 'allergies', 'update', 'AllergyIntolerance'],
    ['Allergies Read', 'allergies', 'read', 'AllergyIntolerance'],
    ['Update Problem', 'problems', 'update', 'Condition'],
    ['Problems Read', 'problems', 'read', 'Condition'],
    ['Care Plans Read', 'care_plans', 'read', 'CarePlan'],
    ['Care Team Members Read', 'care_team_members', 'read', 'CareTeam'],
    ['Implantable Devices Read', 'implantable_devices', 'read', 'Device'],
  ]),
  ...section('Offices & Staff', [
    ['Update Office', 'offices', 'update', 'Location'],
    ['Offices Read', 'offices', 'read', 'Location'],
    ['Add Exam Room', 'offices', 'add_exam_room'],
    ['Update Office Work Schedule', 'office_work_schedule', 'update'],
    ['Office Work Schedule Read', 'office_work_schedule', 'read'],
    ['Update Doctor Work Schedule', 'doctor_work_schedule', 'update'],
    ['Doctor Work Schedule Read', 'doctor_work_schedule', 'read'],
    ['Staff Read', 'staff', 'read', 'Practitioner'],
    ['Create Custom Demographics', 'custom_demographics', 'create'],
  ]),
  ...section('Messaging & Communication', [
    ['Create Message', 'messages', 'create', 'Communication'],
    ['Update Message', 'messages', 'update', 'Communication'],
    ['Messages Read', 'messages', 'read', 'Communication'],
    ['Create Communication Log', 'comm_logs', 'create', 'Communication'],
    ['Update Communication Log', 'comm_logs', 'update', 'Communication'],
    ['Communication Logs Read', 'comm_logs', 'read', 'Communication'],
    ['Prescription Messages Read', 'prescription_messages', 'read', 'Communication'],
  ]),
  ...section('Tasks', [
    ['Create Task', 'tasks', 'create', 'Task', 'write'],
    ['Update Task', 'tasks', 'update', 'Task', 'write'],
    ['Tasks Read', 'tasks', 'read', 'Task'],
    ['Create Task Note', 'task_notes', 'create', 'Communication', 'write'],
    ['Update Task Note', 'task_notes', 'update', 'Communication', 'write'],
    ['Task Notes Read', 'task_notes', 'read', 'Communication'],
    ['Create Task Category', 'task_categories', 'create', 'Basic', 'write'],
    ['Update Task Category', 'task_categories', 'update', 'Basic', 'write'],
    ['Task Categories Read', 'task_categories', 'read', 'Basic'],
    ['Create Task Status', 'task_statuses', 'create', 'Basic', 'write'],
    ['Update Task Status', 'task_statuses', 'update', 'Basic', 'write'],
    ['Task Statuses Read', 'task_statuses', 'read', 'Basic'],
    ['Create Task Template', 'task_templates', 'create', 'ActivityDefinition', 'write'],
    ['Update Task Template', 'task_templates', 'update', 'ActivityDefinition', 'write'],
    ['Task Templates Read', 'task_templates', 'read', 'ActivityDefinition'],
  ]),
];

/** The catalog's defaults with DrChrono's own decisions (src/connectors/drchrono/actions.ts) in place. */
export const DRCHRONO_ACTIONS: readonly ActionDefinition[] = overlayDecisions(
  'drchrono',
  DRCHRONO_DEFAULTS,
  DRCHRONO_DECISIONS,
);
