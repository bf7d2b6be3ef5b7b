import type { ActionDefinition } from './action-definition.ts';

type Input = Omit<ActionDefinition, 'source' | 'group' | 'kind'>;

const find = (thing: string, seedName: string, fhirType: string): Input & { kind: 'find' } => ({
  id: `epic.${thing}.find`,
  seedName,
  kind: 'find',
  status: 'available',
  field: fhirType,
  fhirType,
  row: fhirType,
});

const create = (thing: string, seedName: string, fhirType: string): Input & { kind: 'create' } => ({
  id: `epic.${thing}.create`,
  seedName,
  kind: 'create',
  status: 'available',
  field: `${fhirType}Create`,
  fhirType,
  row: fhirType,
  write: 'create',
  payload: 'fhir-resource',
});

/**
 * Epic's 10 seed actions (seed 003), decided by Epic's R4 CapabilityStatement
 * (shared/reference/epic-r4-capabilitystatement.json): Patient, Observation and DocumentReference
 * offer `create`; Appointment and Encounter offer only read and search. Appointments are made
 * through Epic's scheduling operations instead (`Appointment/$find` proposes slots, `$book` books
 * one); Encounters are filed by Epic itself when a booked visit is checked in, so no API creates one.
 */
export const EPIC_ACTIONS: readonly ActionDefinition[] = [
  ...[
    {
      id: 'epic.appointment.create',
      seedName: 'Create appointment',
      kind: 'operation',
      status: 'alternative',
      reason:
        'Epic R4 offers no Appointment create (read and search only); it books through scheduling: epicAppointmentFind proposes open slots ($find), epicAppointmentBook books one ($book)',
      field: 'epicAppointmentBook',
      fhirType: 'Appointment',
      row: 'Appointment',
      operation: 'epic.appointment.book',
    } satisfies Omit<ActionDefinition, 'source' | 'group'>,
    find('appointment', 'Find appointment', 'Appointment'),
  ].map((a) => ({ ...a, source: 'epic' as const, group: 'Appointments' })),
  ...[
    create('document_reference', 'Create document reference', 'DocumentReference'),
    find('document_reference', 'Find document reference', 'DocumentReference'),
  ].map((a) => ({ ...a, source: 'epic' as const, group: 'Document References' })),
  ...[
    {
      id: 'epic.encounter.create',
      seedName: 'Create encounter',
      kind: 'create',
      status: 'unsupported_by_source',
      reason:
        'Epic R4 offers no Encounter create (read and search only): Epic files the encounter when a booked appointment is checked in; book the visit with epicAppointmentBook instead',
      fhirType: 'Encounter',
      row: 'Encounter',
    } satisfies Omit<ActionDefinition, 'source' | 'group'>,
    find('encounter', 'Find encounter', 'Encounter'),
  ].map((a) => ({ ...a, source: 'epic' as const, group: 'Encounters' })),
  ...[
    create('observation', 'Create observation', 'Observation'),
    find('observation', 'Find observation', 'Observation'),
  ].map((a) => ({ ...a, source: 'epic' as const, group: 'Observations' })),
  ...[create('patient', 'Create patient', 'Patient'), find('patient', 'Find patient', 'Patient')].map(
    (a) => ({ ...a, source: 'epic' as const, group: 'Patients' }),
  ),
];
