import type { CatalogRow } from '../connector.ts';

/**
 * Jane (JDP 2026-01-01): one row per native resource. Paths are under
 * `<clinic URL>/api/2026-01-01`. Directory resources (patients, appointments, staff, locations,
 * disciplines, treatments) filter `updated_at[gte]` to the second; chart resources offer no
 * change filter, so they are read whole each poll (small per clinic, and Jane's 100/min per
 * endpoint leaves room). Adding an endpoint is a row here plus a mapping in mappings/jane/.
 */
export type JaneCatalogRow = CatalogRow & {
  /** `standard`: {items, cursor, hasNextPage}; `medications`: {items, pagination}; `object`: one record. */
  readonly envelope: 'standard' | 'medications' | 'object';
};

export const JANE_API_VERSION = '2026-01-01';

const directory = (
  key: string,
  entity: string,
  fhirTypes: string[],
  scope: string,
  thing: string,
): JaneCatalogRow => ({
  key,
  source: 'jane',
  path: `/${key}`,
  idField: 'id',
  entity,
  fhirTypes,
  paging: 'next-url',
  cursor: 'updated-at-gte-second',
  operations: ['read', 'search'],
  scopes: [scope],
  triggers: [`jane.${thing}.created`, `jane.${thing}.updated`],
  actions: [`jane.${thing}.find`],
  envelope: 'standard',
});

export const JANE_CATALOG: readonly JaneCatalogRow[] = [
  directory('patients', 'patients', ['Patient'], 'patients:read', 'patient'),
  directory('appointments', 'appointments', ['Appointment'], 'appointments:read', 'appointment'),
  directory('staff_members', 'staff_members', ['Practitioner'], 'staff_members:read', 'staff_member'),
  directory('locations', 'locations', ['Location'], 'locations:read', 'location'),
  directory('disciplines', 'disciplines', ['HealthcareService'], 'disciplines:read', 'discipline'),
  directory(
    'treatments',
    'treatments',
    ['ActivityDefinition', 'ChargeItemDefinition'],
    'treatments:read',
    'treatment',
  ),
  {
    key: 'company',
    source: 'jane',
    path: '/company',
    idField: 'id',
    entity: 'company',
    fhirTypes: ['Organization'],
    paging: 'none',
    cursor: 'full-scan',
    operations: ['read'],
    scopes: ['companies:read'],
    triggers: [],
    actions: [],
    envelope: 'object',
  },
  {
    key: 'observations',
    source: 'jane',
    path: '/medical-record/observations',
    idField: 'id',
    entity: 'observations',
    fhirTypes: ['Observation'],
    paging: 'next-url',
    cursor: 'full-scan',
    operations: ['read', 'search', 'create', 'patch'],
    // JDP's Update Observation body: no patient, practitioner or category.
    updateFields: ['encounter_id', 'note', 'issued_at', 'values', 'document_ids'],
    scopes: ['observations:read', 'observations:create', 'observations:update'],
    triggers: [],
    actions: ['jane.observation.create', 'jane.observation.find', 'jane.observation.update'],
    dependsOn: ['patients'],
    envelope: 'standard',
  },
  {
    key: 'care_plans',
    source: 'jane',
    path: '/medical-record/care-plans',
    idField: 'id',
    entity: 'care_plans',
    fhirTypes: ['CarePlan'],
    paging: 'next-url',
    cursor: 'full-scan',
    operations: ['read', 'search', 'create', 'patch'],
    // JDP's Update Care Plan body; activities change through the activity operations (operations.ts).
    updateFields: ['encounter_id', 'title', 'description', 'status', 'document_ids'],
    scopes: ['care_plans:read', 'care_plans:create', 'care_plans:update'],
    triggers: [],
    actions: [
      'jane.care_plan.create',
      'jane.care_plan.update',
      'jane.care_plan.find',
      'jane.care_plan_activity.create',
      'jane.care_plan_activity.update',
      'jane.care_plan_activity.find',
    ],
    dependsOn: ['patients'],
    envelope: 'standard',
  },
  {
    key: 'medications',
    source: 'jane',
    path: '/medical-record/medications',
    idField: 'id',
    entity: 'medications',
    fhirTypes: ['MedicationRequest'],
    paging: 'next-url',
    cursor: 'full-scan',
    operations: ['read', 'search', 'create', 'patch'],
    // JDP's Update Medication body: everything but the patient and the prescriber.
    updateFields: [
      'encounter_id',
      'medication_code',
      'ingredients',
      'dose_form',
      'route',
      'frequency',
      'quantity',
      'period_start',
      'period_end',
      'instructions',
      'status',
      'source',
      'change_reason',
      'prescription_valid_until',
      'prescription_refills',
      'prescription_days_supply',
      'prescription_reason',
    ],
    scopes: ['medications:read', 'medications:create', 'medications:update'],
    triggers: [],
    actions: ['jane.medication.create', 'jane.medication.update', 'jane.medication.find'],
    dependsOn: ['patients'],
    envelope: 'medications',
  },
  {
    key: 'document_uploads',
    source: 'jane',
    path: '/document-uploads',
    idField: 'id',
    entity: 'document_uploads',
    fhirTypes: ['DocumentReference'],
    paging: 'none',
    cursor: 'full-scan',
    operations: ['read', 'create'],
    scopes: ['document_uploads:read', 'document_uploads:create'],
    triggers: [],
    actions: [],
    // JDP has no list endpoint for uploads: they are read by id (from care plans/observations).
    polledBy: 'none',
    envelope: 'object',
  },
];

/** Scopes a Jane connection asks for: the union of every row's. */
export const JANE_SCOPES: readonly string[] = [...new Set(JANE_CATALOG.flatMap((r) => r.scopes))];
