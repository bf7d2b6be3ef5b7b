/**
 * Loose FHIR R4 shapes for the simulator. The installed @types/fhir (3.0.2) has no
 * `fhir/r4` module, so only the fields this folder reads are typed; the rest stay open.
 */
export type Meta = { versionId?: string; lastUpdated?: string; [key: string]: unknown };
export type Resource = { resourceType: string; id?: string; meta?: Meta; [key: string]: unknown };

export type Coding = { system?: string; code?: string; display?: string };
export type CodeableConcept = { coding?: Coding[]; text?: string };
export type Reference = { reference?: string; display?: string };
export type HumanName = { use?: string; text?: string; family?: string; given?: string[]; suffix?: string[] };
export type Identifier = { use?: string; type?: CodeableConcept; system?: string; value?: string };
export type Period = { start?: string; end?: string };

export type Patient = Resource & { resourceType: 'Patient'; name?: HumanName[]; identifier?: Identifier[] };
export type Practitioner = Resource & {
  resourceType: 'Practitioner';
  name?: HumanName[];
  telecom?: unknown[];
};
export type PractitionerRole = Resource & { resourceType: 'PractitionerRole' };
export type Location = Resource & { resourceType: 'Location'; name?: string };
export type Organization = Resource & { resourceType: 'Organization' };
export type Appointment = Resource & { resourceType: 'Appointment'; status?: string };
export type Encounter = Resource & {
  resourceType: 'Encounter';
  identifier?: Identifier[];
  period?: Period;
  appointment?: Reference[];
};
export type Observation = Resource & {
  resourceType: 'Observation';
  component?: unknown[];
  valueQuantity?: unknown;
};
export type DocumentReference = Resource & { resourceType: 'DocumentReference' };
export type OperationOutcomeIssue = {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  details?: CodeableConcept;
  diagnostics?: string;
  expression?: string[];
};
export type OperationOutcome = { resourceType: 'OperationOutcome'; issue: OperationOutcomeIssue[] };
export type Bundle = Resource & {
  resourceType: 'Bundle';
  type: string;
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { fullUrl?: string; resource?: Resource; search?: { mode: string } }[];
};
