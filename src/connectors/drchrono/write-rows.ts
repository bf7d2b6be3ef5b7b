import type { Resource } from 'fhir/r4';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';

/**
 * Which DrChrono catalog row a create of a FHIR resource goes to. One FHIR type can come from
 * several DrChrono records (a Communication is a patient message or a task note; a Basic is a task
 * category or a task status); the forward mappings mark each with a code, and `when` (FHIRPath on
 * the input) reads it back. Updates and deletes need no rule: the stored resource's native-id
 * identifier names its row (docs/identity.md).
 */
export type DrChronoWriteRow = {
  readonly resourceType: string;
  readonly row: string;
  readonly when?: string;
};

const kind = (system: string, code: string, path = 'category') =>
  `${path}.coding.where(system = '${system}' and code = '${code}').exists()`;
const MESSAGE_KIND = 'urn:fhir-gateway:codesystem:drchrono:message-kind';
const BASIC_KIND = 'urn:fhir-gateway:codesystem:basic-kind';
const DOCUMENT_CATEGORY = 'urn:fhir-gateway:codesystem:drchrono:document-category';

export const DRCHRONO_WRITE_ROWS: readonly DrChronoWriteRow[] = [
  { resourceType: 'Patient', row: 'patients' },
  { resourceType: 'Appointment', row: 'appointments' },
  { resourceType: 'Task', row: 'tasks' },
  // An appointment profile says it is one by its kind (appointment-profile.yaml); a task template
  // is any other ActivityDefinition (task-template.yaml writes kind Task).
  {
    resourceType: 'ActivityDefinition',
    row: 'task_templates',
    when: "kind.where($this = 'Appointment').empty()",
  },
  { resourceType: 'PaymentReconciliation', row: 'patient_payments' },
  { resourceType: 'Communication', row: 'patient_messages', when: kind(MESSAGE_KIND, 'patient-message') },
  { resourceType: 'Communication', row: 'task_notes', when: kind(MESSAGE_KIND, 'task-note') },
  { resourceType: 'Basic', row: 'task_categories', when: kind(BASIC_KIND, 'drchrono-task-category', 'code') },
  { resourceType: 'Basic', row: 'task_statuses', when: kind(BASIC_KIND, 'drchrono-task-status', 'code') },
  // A scanned chart document: LOINC 11503-0 "Medical records" (document.yaml); an amendment has
  // the same type and says it is one by its category (amendment.yaml).
  {
    resourceType: 'DocumentReference',
    row: 'documents',
    when: `${kind('http://loinc.org', '11503-0', 'type')} and ${kind(DOCUMENT_CATEGORY, 'amendment')}.not()`,
  },
  { resourceType: 'DocumentReference', row: 'amendments', when: kind(DOCUMENT_CATEGORY, 'amendment') },
  {
    resourceType: 'DocumentReference',
    row: 'signed_consent_forms',
    when: kind('http://loinc.org', '59284-0', 'type'),
  },
  // CQM entries (patient-communication.yaml, intervention.yaml, physical-exam.yaml, risk-assessment.yaml):
  // their category is a clinical code, never one of the gateway's own kinds.
  {
    resourceType: 'Communication',
    row: 'patient_communications',
    when: "category.coding.exists() and category.coding.where(system.startsWith('urn:fhir-gateway:')).empty()",
  },
  { resourceType: 'Procedure', row: 'patient_interventions' },
  {
    resourceType: 'Observation',
    row: 'patient_physical_exams',
    when: kind('http://terminology.hl7.org/CodeSystem/observation-category', 'exam'),
  },
  {
    resourceType: 'Observation',
    row: 'patient_risk_assessments',
    when: kind('http://terminology.hl7.org/CodeSystem/observation-category', 'survey'),
  },
  // Calendar configuration (schedule-block.yaml …).
  { resourceType: 'Slot', row: 'schedule_blocks' },
  // A doctor's calendar Schedule (doctor-schedule.yaml) is read only: Schedules written are templates.
  { resourceType: 'Schedule', row: 'appointment_templates' },
  {
    resourceType: 'Basic',
    row: 'reminder_profiles',
    when: kind(BASIC_KIND, 'drchrono-reminder-profile', 'code'),
  },
  {
    resourceType: 'Basic',
    row: 'telehealth_appointments',
    when: kind(BASIC_KIND, 'drchrono-telehealth-appointment', 'code'),
  },
  { resourceType: 'ActivityDefinition', row: 'appointment_profiles', when: "kind = 'Appointment'" },
  // Practice configuration (consent-form.yaml, patient-flag-type.yaml): a consent form is the one
  // Questionnaire DrChrono takes writes for (note templates are read-only), coded Consent Document.
  {
    resourceType: 'Questionnaire',
    row: 'consent_forms',
    when: "code.where(system = 'http://loinc.org' and code = '59284-0').exists()",
  },
  {
    resourceType: 'Basic',
    row: 'patient_flag_types',
    when: kind(BASIC_KIND, 'drchrono-patient-flag-type', 'code'),
  },
  { resourceType: 'QuestionnaireResponse', row: 'clinical_note_field_values' },
  { resourceType: 'Basic', row: 'yellow_notepad', when: kind(BASIC_KIND, 'drchrono-yellow-notepad', 'code') },
];

const compiled = new Map(
  DRCHRONO_WRITE_ROWS.filter((r) => r.when).map((r) => [
    r.when as string,
    fhirpath.compile(r.when as string, r4Model),
  ]),
);

/**
 * The row a create of `resource` goes to, or a reason (PHI-free) why there is none: the type is not
 * written to DrChrono, or the input does not carry the code that says which record it is.
 */
export function drchronoCreateRow(resource: Resource): { row: string } | { reason: string } {
  const candidates = DRCHRONO_WRITE_ROWS.filter((r) => r.resourceType === resource.resourceType);
  if (candidates.length === 0)
    return { reason: `DrChrono has no create for ${resource.resourceType} in the gateway` };
  const matching = candidates.filter(
    (r) => !r.when || (compiled.get(r.when)?.(resource) as unknown[] | undefined)?.[0] === true,
  );
  if (matching.length === 1 && matching[0]) return { row: matching[0].row };
  return {
    reason: `a DrChrono ${resource.resourceType} must say which record it is: one of ${candidates
      .map((c) => `${c.row} (${c.when ?? 'always'})`)
      .join('; ')}`,
  };
}
