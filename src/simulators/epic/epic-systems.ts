/**
 * Epic identifier systems and extension URLs put on simulated records. Systems marked
 * "reference" are from captured Epic sandbox payloads (SOURCE-APIS.md §3.6); the others
 * follow Epic's `urn:oid:1.2.840.114350.1.13.<customer>...` scheme and are plausible, not
 * verified.
 */
export const EPIC_OID_ROOT = 'urn:oid:1.2.840.114350.1.13.0.1.7';

export const epicSystems = {
  /** reference: patient "EPIC" identifier (e.g. E4007) */
  patientEpicId: `${EPIC_OID_ROOT}.5.737384.0`,
  /** reference: patient MRN ("EPI") */
  patientMrn: `${EPIC_OID_ROOT}.5.737384.14`,
  /** reference: "EXTERNAL"/"INTERNAL" patient id (e.g. Z6129) */
  patientInternal: `${EPIC_OID_ROOT}.2.698084`,
  /** reference: MyChart login */
  myChartLogin: `${EPIC_OID_ROOT}.3.878082.110`,
  /** reference: appointment / encounter contact serial number (CSN) */
  csn: `${EPIC_OID_ROOT}.3.698084.8`,
  /** reference: visit type (Appointment.serviceType) */
  visitType: `${EPIC_OID_ROOT}.2.808267`,
  /** simulated: provider (SER) internal id */
  providerInternal: `${EPIC_OID_ROOT}.2.697780`,
  /** simulated: department (DEP) id */
  department: `${EPIC_OID_ROOT}.2.686980`,
  /** simulated: flowsheet row id on vital-sign observations */
  flowsheetRow: `${EPIC_OID_ROOT}.2.707679`,
  /** simulated: lab component id */
  labComponent: `${EPIC_OID_ROOT}.2.768282`,
  /** simulated: document (HNO) id */
  documentId: `${EPIC_OID_ROOT}.2.727879`,
  /** simulated: Epic legal-sex code system */
  legalSexCodes: `${EPIC_OID_ROOT}.10.698084.130.657370.19999000`,
  /** reference: error details coding system of Epic OperationOutcomes */
  errorCodes: `${EPIC_OID_ROOT}.2.657369`,
  npi: 'http://hl7.org/fhir/sid/us-npi',
} as const;

export const epicExtensions = {
  legalSex: 'http://open.epic.com/FHIR/StructureDefinition/extension/legal-sex',
  noteAuthenticationInstant:
    'http://open.epic.com/FHIR/StructureDefinition/extension/clinical-note-authentication-instant',
  templateId: 'http://open.epic.com/FHIR/StructureDefinition/extension/template-id',
  birthSex: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex',
  race: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
  ethnicity: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity',
  ombCategories: 'urn:oid:2.16.840.1.113883.6.238',
  /** reference: the patient's FHIR ids in older API versions, carried as identifiers */
  dstu2FhirId: 'http://open.epic.com/FHIR/StructureDefinition/patient-dstu2-fhir-id',
  stu3FhirId: 'http://open.epic.com/FHIR/StructureDefinition/patient-fhir-id',
} as const;
