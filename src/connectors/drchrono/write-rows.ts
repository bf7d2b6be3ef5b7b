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

export const DRCHRONO_WRITE_ROWS: readonly DrChronoWriteRow[] = [
  { resourceType: 'Patient', row: 'patients' },
  { resourceType: 'Appointment', row: 'appointments' },
  { resourceType: 'Task', row: 'tasks' },
  { resourceType: 'ActivityDefinition', row: 'task_templates' },
  { resourceType: 'PaymentReconciliation', row: 'patient_payments' },
  { resourceType: 'Communication', row: 'patient_messages', when: kind(MESSAGE_KIND, 'patient-message') },
  { resourceType: 'Communication', row: 'task_notes', when: kind(MESSAGE_KIND, 'task-note') },
  { resourceType: 'Basic', row: 'task_categories', when: kind(BASIC_KIND, 'drchrono-task-category', 'code') },
  { resourceType: 'Basic', row: 'task_statuses', when: kind(BASIC_KIND, 'drchrono-task-status', 'code') },
  // A scanned chart document: LOINC 11503-0 "Medical records" (document.yaml).
  { resourceType: 'DocumentReference', row: 'documents', when: kind('http://loinc.org', '11503-0', 'type') },
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
