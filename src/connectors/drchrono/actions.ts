import type { ActionKind } from '../../actions/catalog/action-definition.ts';
import type { SourceActionDecision } from '../../actions/catalog/overlay-decisions.ts';
import type { Operation } from '../connector.ts';

/**
 * DrChrono's seed actions in issue 15's scope (../shared/seeds/001: Patient Management,
 * Appointments, Clinical Notes, Documents & Consent Forms, Tasks — 98 actions), each with the
 * decision taken for it, as data: the action catalog (`actions` query, docs/coverage.md) reads it.
 *
 * - `kind`/`graphqlField` follow docs/mutations.md: `XCreate`/`XUpdate`/`XDelete` on the FHIR type,
 *   finds are the `X(id)` query, non-CRUD calls are named operations (operations.ts). Every
 *   `update` is also served partially by `XPatch`: DrChrono's PATCH leaves other fields untouched.
 * - `row` is the catalog row (catalog.ts) the call goes to; `operation` the CRUD operation on it.
 * - `status`: `available` (the connector writes/reads it, tested against the simulator over HTTP),
 *   `alternative` (the seed's endpoint serves the same records as another action: use that one),
 *   `unsupported_by_source` (DrChrono's API does not offer it), `not_yet_available` (the API offers
 *   it; the gateway has no FHIR mapping for it yet). `reason` says why, for all but `available`.
 */
/** The shape every source's own action decisions take (the action catalog overlays them). */
export type DrChronoActionDecision = SourceActionDecision;

type Input = Omit<DrChronoActionDecision, 'section' | 'graphqlField' | 'operation'> & {
  readonly graphqlField?: string;
};

const FIELD_SUFFIX: Record<Exclude<ActionKind, 'operation'>, string> = {
  create: 'Create',
  update: 'Update',
  delete: 'Delete',
  find: '',
};
const CRUD_OPERATION: Record<Exclude<ActionKind, 'operation'>, Operation> = {
  create: 'create',
  update: 'update',
  delete: 'delete',
  find: 'read',
};

const section =
  (name: string) =>
  (...inputs: Input[]): DrChronoActionDecision[] =>
    inputs.map((a) => ({
      ...a,
      section: name,
      graphqlField:
        a.graphqlField ?? (a.kind === 'operation' ? '' : `${a.resourceType ?? ''}${FIELD_SUFFIX[a.kind]}`),
      ...(a.kind !== 'operation' && a.row && a.status !== 'not_yet_available'
        ? { operation: CRUD_OPERATION[a.kind] }
        : {}),
    }));

const SAME_AS_PATIENTS =
  'patients_summary serves the same records as /api/patients (one table, one gateway id)';
const SAME_AS_APPOINTMENTS =
  'appointments_list serves the same records as /api/appointments (one table, one gateway id)';
const unmapped = (what: string) =>
  `DrChrono offers it; ${what} has no FHIR mapping in the gateway yet, so there is no resource to write or find`;

const TELEHEALTH_HISTORY_CREATE =
  "DrChrono offers it, but its create takes no data: every field of a session event (event type, description, timestamp) is read-only in DrChrono's schema and none names the visit, so the gateway leaves these events unmapped on purpose (mappings/drchrono/unmapped-entities.json, covered). The video visit itself is a Basic of kind drchrono-telehealth-appointment (BasicCreate)";
const TELEHEALTH_HISTORY_READ =
  'DrChrono offers it; its session events (started, ended) name no appointment, telehealth appointment or patient, so the gateway leaves them unmapped on purpose (mappings/drchrono/unmapped-entities.json, covered): there is nothing to attach them to or find them by. The video visit is Basic (kind drchrono-telehealth-appointment)';

const patients = section('Patient Management');
const appointments = section('Appointments');
const clinicalNotes = section('Clinical Notes');
const documents = section('Documents & Consent Forms');
const tasks = section('Tasks');

// biome-ignore format: one action a line reads as the table it is
export const DRCHRONO_ACTIONS: readonly DrChronoActionDecision[] = [
  ...patients(
    { id: 'drchrono.patient.create', seedName: 'Create Patient', kind: 'create', resourceType: 'Patient', row: 'patients', status: 'available' },
    { id: 'drchrono.patient.update', seedName: 'Update Patient', kind: 'update', resourceType: 'Patient', row: 'patients', status: 'available' },
    { id: 'drchrono.patient.read', seedName: 'Patients Read', kind: 'find', resourceType: 'Patient', row: 'patients', status: 'available' },
    { id: 'drchrono.patient.delete', seedName: 'Delete Patient', kind: 'delete', resourceType: 'Patient', row: 'patients', status: 'available' },
    { id: 'drchrono.patient_summary.create', seedName: 'Create Patient Summary', kind: 'create', resourceType: 'Patient', row: 'patients', status: 'alternative', reason: `${SAME_AS_PATIENTS}: PatientCreate` },
    { id: 'drchrono.patient_summary.update', seedName: 'Update Patient Summary', kind: 'update', resourceType: 'Patient', row: 'patients', status: 'alternative', reason: `${SAME_AS_PATIENTS}: PatientUpdate / PatientPatch` },
    { id: 'drchrono.patient_summary.read', seedName: 'Patients Summary Read', kind: 'find', resourceType: 'Patient', row: 'patients', status: 'alternative', reason: `${SAME_AS_PATIENTS}: Patient(id)` },
    { id: 'drchrono.patient_summary.delete', seedName: 'Delete Patient Summary', kind: 'delete', resourceType: 'Patient', row: 'patients', status: 'alternative', reason: `${SAME_AS_PATIENTS}: PatientDelete` },
    { id: 'drchrono.patient.onpatient_access_read', seedName: 'Patients OnPatient Access Read', kind: 'operation', graphqlField: 'drchronoPatientOnpatientAccessRead', namedOperation: 'drchrono.patient.onpatient_access_read', row: 'patients', status: 'available' },
    { id: 'drchrono.patient.onpatient_invite_send', seedName: 'Send OnPatient Invite', kind: 'operation', graphqlField: 'drchronoPatientOnpatientInviteSend', namedOperation: 'drchrono.patient.onpatient_invite_send', row: 'patients', status: 'available' },
    { id: 'drchrono.patient.onpatient_invite_revoke', seedName: 'Revoke OnPatient Invite', kind: 'operation', graphqlField: 'drchronoPatientOnpatientInviteRevoke', namedOperation: 'drchrono.patient.onpatient_invite_revoke', row: 'patients', status: 'available' },
    { id: 'drchrono.patient_message.create', seedName: 'Create Patient Message', kind: 'create', resourceType: 'Communication', row: 'patient_messages', status: 'available' },
    { id: 'drchrono.patient_message.read', seedName: 'Patient Messages Read', kind: 'find', resourceType: 'Communication', row: 'patient_messages', status: 'available' },
    { id: 'drchrono.patient_communication.create', seedName: 'Create Patient Communication', kind: 'create', resourceType: 'Communication', row: 'patient_communications', status: 'available' },
    { id: 'drchrono.patient_communication.read', seedName: 'Patient Communications Read', kind: 'find', resourceType: 'Communication', row: 'patient_communications', status: 'available' },
    { id: 'drchrono.patient_communication.update', seedName: 'Update Patient Communication', kind: 'update', resourceType: 'Communication', row: 'patient_communications', status: 'available' },
    { id: 'drchrono.patient_intervention.create', seedName: 'Create Patient Intervention', kind: 'create', resourceType: 'Procedure', row: 'patient_interventions', status: 'available' },
    { id: 'drchrono.patient_intervention.update', seedName: 'Update Patient Intervention', kind: 'update', resourceType: 'Procedure', row: 'patient_interventions', status: 'available' },
    { id: 'drchrono.patient_intervention.read', seedName: 'Patient Interventions Read', kind: 'find', resourceType: 'Procedure', row: 'patient_interventions', status: 'available' },
    { id: 'drchrono.patient_physical_exam.create', seedName: 'Create Patient Physical Exam', kind: 'create', resourceType: 'Observation', row: 'patient_physical_exams', status: 'available' },
    { id: 'drchrono.patient_physical_exam.update', seedName: 'Update Patient Physical Exam', kind: 'update', resourceType: 'Observation', row: 'patient_physical_exams', status: 'available' },
    { id: 'drchrono.patient_risk_assessment.create', seedName: 'Create Patient Risk Assessment', kind: 'create', resourceType: 'Observation', row: 'patient_risk_assessments', status: 'available' },
    { id: 'drchrono.patient_risk_assessment.update', seedName: 'Update Patient Risk Assessment', kind: 'update', resourceType: 'Observation', row: 'patient_risk_assessments', status: 'available' },
    { id: 'drchrono.patient_risk_assessment.read', seedName: 'Patient Risk Assessments Read', kind: 'find', resourceType: 'Observation', row: 'patient_risk_assessments', status: 'available' },
    { id: 'drchrono.patient_flag_type.create', seedName: 'Create Patient Flag Type', kind: 'create', resourceType: 'Basic', row: 'patient_flag_types', status: 'available' },
    { id: 'drchrono.patient_flag_type.update', seedName: 'Update Patient Flag Type', kind: 'update', resourceType: 'Basic', row: 'patient_flag_types', status: 'available' },
    { id: 'drchrono.patient_flag_type.read', seedName: 'Patient Flag Types Read', kind: 'find', resourceType: 'Basic', row: 'patient_flag_types', status: 'available' },
    { id: 'drchrono.patient_payment.create', seedName: 'Create Patient Payment', kind: 'create', resourceType: 'PaymentReconciliation', row: 'patient_payments', status: 'available' },
    { id: 'drchrono.patient_payment.read', seedName: 'Patient Payments Read', kind: 'find', resourceType: 'PaymentReconciliation', row: 'patient_payments', status: 'available' },
    { id: 'drchrono.patient_payment_log.read', seedName: 'Patient Payment Log Read', kind: 'find', resourceType: 'AuditEvent', row: 'patient_payment_log', status: 'available' },
  ),
  ...appointments(
    { id: 'drchrono.appointment.create', seedName: 'Create Appointment On Doctor Calendar', kind: 'create', resourceType: 'Appointment', row: 'appointments', status: 'available' },
    { id: 'drchrono.appointment.update', seedName: 'Update Appointment', kind: 'update', resourceType: 'Appointment', row: 'appointments', status: 'available' },
    { id: 'drchrono.appointment.read', seedName: 'Appointments Read', kind: 'find', resourceType: 'Appointment', row: 'appointments', status: 'available' },
    { id: 'drchrono.appointment.delete', seedName: 'Delete Appointment', kind: 'delete', resourceType: 'Appointment', row: 'appointments', status: 'available' },
    { id: 'drchrono.appointment_profile.create', seedName: 'Create Appointment Profile', kind: 'create', resourceType: 'ActivityDefinition', row: 'appointment_profiles', status: 'available' },
    { id: 'drchrono.appointment_profile.update', seedName: 'Update Appointment Profile', kind: 'update', resourceType: 'ActivityDefinition', row: 'appointment_profiles', status: 'available' },
    { id: 'drchrono.appointment_profile.read', seedName: 'Appointment Profiles Read', kind: 'find', resourceType: 'ActivityDefinition', row: 'appointment_profiles', status: 'available' },
    { id: 'drchrono.appointment_profile.delete', seedName: 'Delete Appointment Profile', kind: 'delete', resourceType: 'ActivityDefinition', row: 'appointment_profiles', status: 'available' },
    { id: 'drchrono.appointment_template.update', seedName: 'Update Appointment Template', kind: 'update', resourceType: 'Schedule', row: 'appointment_templates', status: 'available' },
    { id: 'drchrono.appointment_template.read', seedName: 'Appointment Templates Read', kind: 'find', resourceType: 'Schedule', row: 'appointment_templates', status: 'available' },
    { id: 'drchrono.appointment_template.delete', seedName: 'Delete Appointment Template', kind: 'delete', resourceType: 'Schedule', row: 'appointment_templates', status: 'available' },
    { id: 'drchrono.appointments_list.update', seedName: 'Update Appointments List', kind: 'update', resourceType: 'Appointment', row: 'appointments', status: 'alternative', reason: `${SAME_AS_APPOINTMENTS}: AppointmentUpdate / AppointmentPatch` },
    { id: 'drchrono.appointments_list.read', seedName: 'Appointments List Read', kind: 'find', resourceType: 'Appointment', row: 'appointments', status: 'alternative', reason: `${SAME_AS_APPOINTMENTS}: Appointment(id), AppointmentList(...) for filters` },
    { id: 'drchrono.appointments_list.delete', seedName: 'Delete Appointments List', kind: 'delete', resourceType: 'Appointment', row: 'appointments', status: 'alternative', reason: `${SAME_AS_APPOINTMENTS}: AppointmentDelete` },
    { id: 'drchrono.telehealth_appointment.create', seedName: 'Create Telehealth Appointment', kind: 'create', resourceType: 'Basic', row: 'telehealth_appointments', status: 'available' },
    { id: 'drchrono.telehealth_appointment.update', seedName: 'Update Telehealth Appointment', kind: 'update', resourceType: 'Basic', row: 'telehealth_appointments', status: 'available' },
    { id: 'drchrono.telehealth_appointment.read', seedName: 'Telehealth Appointments Read', kind: 'find', resourceType: 'Basic', row: 'telehealth_appointments', status: 'available' },
    { id: 'drchrono.telehealth_appointment_history.create', seedName: 'Create Telehealth Appointment History', kind: 'create', graphqlField: 'TelehealthAppointmentHistoryCreate', status: 'not_yet_available', reason: TELEHEALTH_HISTORY_CREATE },
    { id: 'drchrono.telehealth_appointment_history.read', seedName: 'Telehealth Appointment History Read', kind: 'find', graphqlField: 'TelehealthAppointmentHistory', status: 'not_yet_available', reason: TELEHEALTH_HISTORY_READ },
    { id: 'drchrono.schedule_block.create', seedName: 'Create Schedule Block', kind: 'create', resourceType: 'Slot', row: 'schedule_blocks', status: 'available' },
    { id: 'drchrono.schedule_block.update', seedName: 'Update Schedule Block', kind: 'update', resourceType: 'Slot', row: 'schedule_blocks', status: 'available' },
    { id: 'drchrono.schedule_block.read', seedName: 'Schedule Blocks Read', kind: 'find', resourceType: 'Slot', row: 'schedule_blocks', status: 'available' },
    { id: 'drchrono.schedule_block.delete', seedName: 'Delete Schedule Block', kind: 'delete', resourceType: 'Slot', row: 'schedule_blocks', status: 'available' },
    { id: 'drchrono.reminder_profile.create', seedName: 'Create Reminder Profile', kind: 'create', resourceType: 'Basic', row: 'reminder_profiles', status: 'available' },
    { id: 'drchrono.reminder_profile.update', seedName: 'Update Reminder Profile', kind: 'update', resourceType: 'Basic', row: 'reminder_profiles', status: 'available' },
    { id: 'drchrono.reminder_profile.read', seedName: 'Reminder Profiles Read', kind: 'find', resourceType: 'Basic', row: 'reminder_profiles', status: 'available' },
    { id: 'drchrono.reminder_profile.delete', seedName: 'Delete Reminder Profile', kind: 'delete', resourceType: 'Basic', row: 'reminder_profiles', status: 'available' },
  ),
  ...clinicalNotes(
    { id: 'drchrono.clinical_notes_batch.create', seedName: 'Create Clinical Notes Batch', kind: 'find', resourceType: 'DocumentReference', graphqlField: 'DocumentReferenceList', row: 'clinical_notes', status: 'alternative', reason: 'a bulk read job over clinical notes (clinical_notes_list); the gateway syncs the notes itself and lists them from its store: DocumentReferenceList(category: clinical-note), filters and paging included' },
    { id: 'drchrono.clinical_notes_batch.get', seedName: 'Get Clinical Notes Batch', kind: 'find', resourceType: 'DocumentReference', graphqlField: 'DocumentReferenceList', row: 'clinical_notes', status: 'alternative', reason: 'reads the job Create Clinical Notes Batch starts; the list query answers at once, no job to wait for' },
    { id: 'drchrono.clinical_note.read', seedName: 'Clinical Notes Read', kind: 'find', resourceType: 'DocumentReference', row: 'clinical_notes', status: 'available' },
    { id: 'drchrono.clinical_note_field_value.update', seedName: 'Update Clinical Note Field Value', kind: 'update', resourceType: 'QuestionnaireResponse', row: 'clinical_note_field_values', status: 'available' },
    { id: 'drchrono.clinical_note_field_value.read', seedName: 'Clinical Note Field Values Read', kind: 'find', resourceType: 'QuestionnaireResponse', row: 'clinical_note_field_values', status: 'alternative', reason: 'a field value is also a line of its clinical note: DocumentReference(id) of the note (DocumentReferenceList(encounter: ...)) holds every value of the visit; QuestionnaireResponse(id) reads a value the gateway wrote (the values are not polled: the same note content twice, 16,000 records a practice)' },
    { id: 'drchrono.clinical_note_field_values_list.create', seedName: 'Create Clinical Note Field Values List', kind: 'find', resourceType: 'DocumentReference', graphqlField: 'DocumentReferenceList', row: 'clinical_notes', status: 'alternative', reason: 'a bulk read job over clinical note field values (clinical_note_field_values_list); the same values are the text of the clinical notes the gateway syncs: DocumentReferenceList(category: clinical-note), filters and paging included, answers at once' },
    { id: 'drchrono.clinical_note_template.read', seedName: 'Clinical Note Templates Read', kind: 'find', resourceType: 'Questionnaire', row: 'clinical_note_templates', status: 'available' },
    { id: 'drchrono.clinical_note_field_type.read', seedName: 'Clinical Note Field Types Read', kind: 'find', resourceType: 'Questionnaire', graphqlField: 'QuestionnaireList', row: 'clinical_note_templates', status: 'alternative', reason: 'a field type is an item of its template\'s Questionnaire (clinical_note_templates serves the same field objects): QuestionnaireList(code: "urn:fhir-gateway:codesystem:drchrono:note-field-type|<field type id>") finds its template, whose item with that linkId is the field type' },
    { id: 'drchrono.yellow_notepad.create', seedName: 'Create Yellow Notepad', kind: 'create', resourceType: 'Basic', row: 'yellow_notepad', status: 'available' },
    { id: 'drchrono.yellow_notepad.retrieve', seedName: 'Yellow Notepad Retrieve', kind: 'find', resourceType: 'Basic', row: 'yellow_notepad', status: 'available' },
    { id: 'drchrono.amendment.create', seedName: 'Create Amendment', kind: 'create', resourceType: 'DocumentReference', row: 'amendments', status: 'available' },
    { id: 'drchrono.amendment.update', seedName: 'Update Amendment', kind: 'update', resourceType: 'DocumentReference', row: 'amendments', status: 'available' },
    { id: 'drchrono.amendment.read', seedName: 'Amendments Read', kind: 'find', resourceType: 'DocumentReference', row: 'amendments', status: 'available' },
    { id: 'drchrono.amendment.delete', seedName: 'Delete Amendment', kind: 'delete', resourceType: 'DocumentReference', row: 'amendments', status: 'available' },
  ),
  ...documents(
    { id: 'drchrono.document.create', seedName: 'Create Document', kind: 'create', resourceType: 'DocumentReference', row: 'documents', status: 'available' },
    { id: 'drchrono.document.update', seedName: 'Update Document', kind: 'update', resourceType: 'DocumentReference', row: 'documents', status: 'available' },
    { id: 'drchrono.document.read', seedName: 'Documents Read', kind: 'find', resourceType: 'DocumentReference', row: 'documents', status: 'available' },
    { id: 'drchrono.consent_form.create', seedName: 'Create Consent Form', kind: 'create', resourceType: 'Questionnaire', row: 'consent_forms', status: 'available' },
    { id: 'drchrono.consent_form.update', seedName: 'Update Consent Form', kind: 'update', resourceType: 'Questionnaire', row: 'consent_forms', status: 'available' },
    { id: 'drchrono.consent_form.read', seedName: 'Consent Forms Read', kind: 'find', resourceType: 'Questionnaire', row: 'consent_forms', status: 'available' },
    { id: 'drchrono.signed_consent_form.create', seedName: 'Create Signed Consent Form', kind: 'create', resourceType: 'DocumentReference', row: 'signed_consent_forms', status: 'available' },
    { id: 'drchrono.signed_consent_form.update', seedName: 'Update Signed Consent Form', kind: 'update', resourceType: 'DocumentReference', row: 'signed_consent_forms', status: 'available' },
    { id: 'drchrono.signed_consent_form.list_by_patient', seedName: 'Get Signed Consent Forms by Patient', kind: 'find', resourceType: 'DocumentReference', graphqlField: 'DocumentReferenceList', row: 'signed_consent_forms', status: 'available' },
    { id: 'drchrono.signed_consent_form.read', seedName: 'Signed Consent Forms Read', kind: 'find', resourceType: 'DocumentReference', row: 'signed_consent_forms', status: 'available' },
    { id: 'drchrono.consent_form.apply', seedName: 'Apply Consent Form', kind: 'operation', graphqlField: 'drchronoConsentFormApply', namedOperation: 'drchrono.consent_form.apply', row: 'consent_forms', status: 'available' },
    { id: 'drchrono.consent_form.unapply', seedName: 'Unapply Consent Form', kind: 'operation', graphqlField: 'drchronoConsentFormUnapply', namedOperation: 'drchrono.consent_form.unapply', row: 'consent_forms', status: 'available' },
  ),
  ...tasks(
    { id: 'drchrono.task.create', seedName: 'Create Task', kind: 'create', resourceType: 'Task', row: 'tasks', status: 'available' },
    { id: 'drchrono.task.update', seedName: 'Update Task', kind: 'update', resourceType: 'Task', row: 'tasks', status: 'available' },
    { id: 'drchrono.task.read', seedName: 'Tasks Read', kind: 'find', resourceType: 'Task', row: 'tasks', status: 'available' },
    { id: 'drchrono.task_note.create', seedName: 'Create Task Note', kind: 'create', resourceType: 'Communication', row: 'task_notes', status: 'available' },
    { id: 'drchrono.task_note.update', seedName: 'Update Task Note', kind: 'update', resourceType: 'Communication', row: 'task_notes', status: 'available' },
    { id: 'drchrono.task_note.read', seedName: 'Task Notes Read', kind: 'find', resourceType: 'Communication', row: 'task_notes', status: 'available' },
    { id: 'drchrono.task_category.create', seedName: 'Create Task Category', kind: 'create', resourceType: 'Basic', row: 'task_categories', status: 'available' },
    { id: 'drchrono.task_category.update', seedName: 'Update Task Category', kind: 'update', resourceType: 'Basic', row: 'task_categories', status: 'available' },
    { id: 'drchrono.task_category.read', seedName: 'Task Categories Read', kind: 'find', resourceType: 'Basic', row: 'task_categories', status: 'available' },
    { id: 'drchrono.task_status.create', seedName: 'Create Task Status', kind: 'create', resourceType: 'Basic', row: 'task_statuses', status: 'available' },
    { id: 'drchrono.task_status.update', seedName: 'Update Task Status', kind: 'update', resourceType: 'Basic', row: 'task_statuses', status: 'available' },
    { id: 'drchrono.task_status.read', seedName: 'Task Statuses Read', kind: 'find', resourceType: 'Basic', row: 'task_statuses', status: 'available' },
    { id: 'drchrono.task_template.create', seedName: 'Create Task Template', kind: 'create', resourceType: 'ActivityDefinition', row: 'task_templates', status: 'available' },
    { id: 'drchrono.task_template.update', seedName: 'Update Task Template', kind: 'update', resourceType: 'ActivityDefinition', row: 'task_templates', status: 'available' },
    { id: 'drchrono.task_template.read', seedName: 'Task Templates Read', kind: 'find', resourceType: 'ActivityDefinition', row: 'task_templates', status: 'available' },
  ),
];

/** The seed sections this table covers, with their action counts on the seed page. */
export const DRCHRONO_ACTION_SECTIONS: Readonly<Record<string, number>> = {
  'Patient Management': 30,
  Appointments: 27,
  'Clinical Notes': 14,
  'Documents & Consent Forms': 12,
  Tasks: 15,
};

/** Action ids a catalog row serves (the row's `actions`): its available and alternative actions. */
export function drchronoActionsOfRow(row: string): string[] {
  return DRCHRONO_ACTIONS.filter(
    (a) => a.row === row && a.status !== 'not_yet_available' && a.kind !== 'operation',
  ).map((a) => a.id);
}
