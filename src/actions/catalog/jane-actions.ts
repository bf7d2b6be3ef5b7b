import type { ActionDefinition } from './action-definition.ts';

type Input = Omit<ActionDefinition, 'source' | 'group'>;
const group =
  (name: string) =>
  (a: Input): ActionDefinition => ({ source: 'jane', group: name, ...a });

const find = (id: string, seedName: string, row: string, fhirType: string): Input => ({
  id,
  seedName,
  kind: 'find',
  status: 'available',
  field: fhirType,
  fhirType,
  row,
});

const PATCH_REASON =
  'JDP updates chart items with PATCH only (partial update): the action is the JSON merge patch mutation';

/**
 * Jane's 18 seed actions (seed 000). JDP has no patient or appointment writes ("Posting directly
 * into Jane's calendars is not supported"), which the seed does not ask for either; its "Update …"
 * actions are partial updates (PATCH), so they are the `XPatch` mutations. Care plan activities live
 * under their care plan (`/care-plans/{id}/activities`): named operations, and found inside their
 * CarePlan (`CarePlan.activity`).
 */
export const JANE_ACTIONS: readonly ActionDefinition[] = [
  ...[
    {
      id: 'jane.observation.create',
      seedName: 'Create Observation',
      kind: 'create',
      status: 'available',
      field: 'ObservationCreate',
      fhirType: 'Observation',
      row: 'observations',
      write: 'create',
      payload: 'reverse-mapping',
    } satisfies Input,
    find('jane.observation.find', 'Find Observation', 'observations', 'Observation'),
    {
      id: 'jane.observation.update',
      seedName: 'Update Observation',
      kind: 'update',
      status: 'available',
      reason: PATCH_REASON,
      field: 'ObservationPatch',
      fhirType: 'Observation',
      row: 'observations',
      write: 'patch',
      payload: 'reverse-mapping',
    } satisfies Input,
  ].map(group('Observations')),
  ...[
    {
      id: 'jane.care_plan.create',
      seedName: 'Create Care Plan',
      kind: 'create',
      status: 'available',
      field: 'CarePlanCreate',
      fhirType: 'CarePlan',
      row: 'care_plans',
      write: 'create',
      payload: 'reverse-mapping',
    } satisfies Input,
    {
      id: 'jane.care_plan.update',
      seedName: 'Update Care Plan',
      kind: 'update',
      status: 'available',
      reason: PATCH_REASON,
      field: 'CarePlanPatch',
      fhirType: 'CarePlan',
      row: 'care_plans',
      write: 'patch',
      payload: 'reverse-mapping',
    } satisfies Input,
    find('jane.care_plan.find', 'Find Care Plan', 'care_plans', 'CarePlan'),
    {
      id: 'jane.care_plan_activity.create',
      seedName: 'Create Care Plan Activity',
      kind: 'operation',
      status: 'available',
      field: 'janeCarePlanActivityCreate',
      fhirType: 'CarePlan',
      row: 'care_plans',
      operation: 'jane.care_plan_activity.create',
    } satisfies Input,
    {
      id: 'jane.care_plan_activity.update',
      seedName: 'Update Care Plan Activity',
      kind: 'operation',
      status: 'available',
      field: 'janeCarePlanActivityUpdate',
      fhirType: 'CarePlan',
      row: 'care_plans',
      operation: 'jane.care_plan_activity.update',
    } satisfies Input,
    {
      id: 'jane.care_plan_activity.find',
      seedName: 'Find Care Plan Activity',
      kind: 'find',
      status: 'alternative',
      reason:
        'an activity is not a resource of its own in FHIR: it is CarePlan.activity of its care plan, so CarePlan(id) finds it',
      field: 'CarePlan',
      fhirType: 'CarePlan',
      row: 'care_plans',
    } satisfies Input,
  ].map(group('Care Plans')),
  ...[
    {
      id: 'jane.medication.create',
      seedName: 'Create Medication',
      kind: 'create',
      status: 'available',
      field: 'MedicationRequestCreate',
      fhirType: 'MedicationRequest',
      row: 'medications',
      write: 'create',
      payload: 'reverse-mapping',
    } satisfies Input,
    {
      id: 'jane.medication.update',
      seedName: 'Update Medication',
      kind: 'update',
      status: 'available',
      reason: PATCH_REASON,
      field: 'MedicationRequestPatch',
      fhirType: 'MedicationRequest',
      row: 'medications',
      write: 'patch',
      payload: 'reverse-mapping',
    } satisfies Input,
    find('jane.medication.find', 'Find Medication', 'medications', 'MedicationRequest'),
  ].map(group('Medications')),
  ...[
    find('jane.patient.find', 'Find Patient', 'patients', 'Patient'),
    find('jane.appointment.find', 'Find Appointment', 'appointments', 'Appointment'),
    find('jane.staff_member.find', 'Find Staff Member', 'staff_members', 'Practitioner'),
    find('jane.location.find', 'Find Location', 'locations', 'Location'),
    find('jane.discipline.find', 'Find Discipline', 'disciplines', 'HealthcareService'),
    find('jane.treatment.find', 'Find Treatment', 'treatments', 'ActivityDefinition'),
  ].map(group('Clinic Records')),
];
