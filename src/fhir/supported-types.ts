/**
 * The FHIR R4 resource types the gateway emits. This list is the single source of truth:
 * definitions, validation, search parameters and the GraphQL schema are derived from it.
 * Each type is here because a Jane, DrChrono or Epic record maps to it (see docs/identity.md).
 */
export const SUPPORTED_RESOURCE_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'HealthcareService',
  'Schedule',
  'Slot',
  'Appointment',
  'Encounter',
  'Observation',
  'Condition',
  'AllergyIntolerance',
  'Procedure',
  'CarePlan',
  'CareTeam',
  'PlanDefinition',
  'ActivityDefinition',
  'Medication',
  'MedicationStatement',
  'MedicationRequest',
  'Immunization',
  'Device',
  'Substance',
  'ServiceRequest',
  'DiagnosticReport',
  'DocumentReference',
  'Binary',
  'Task',
  'Communication',
  'Coverage',
  'Claim',
  'ClaimResponse',
  'CoverageEligibilityResponse',
  'ChargeItem',
  'ChargeItemDefinition',
  'Invoice',
  'Account',
  'PaymentNotice',
  'PaymentReconciliation',
  'Group',
  'Basic',
  'AuditEvent',
  'Questionnaire',
  'QuestionnaireResponse',
] as const;

export type SupportedResourceType = (typeof SUPPORTED_RESOURCE_TYPES)[number];

export function isSupportedResourceType(type: string): type is SupportedResourceType {
  return (SUPPORTED_RESOURCE_TYPES as readonly string[]).includes(type);
}
