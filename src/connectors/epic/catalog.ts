import type { CatalogRow } from '../connector.ts';

/**
 * Epic on FHIR R4: one row per FHIR type under the organisation's FHIR base URL. Epic offers
 * `_lastUpdated` only on DocumentReference; the other types are read through Bulk Data
 * `Group/[id]/$export?_type=<type>&_since=<transactionTime of the previous export>` — the
 * first run (no watermark) is the backfill, later runs carry `_since`. Searches refused for
 * more than 100 matches are split into smaller `_lastUpdated` windows.
 */
export type EpicCatalogRow = CatalogRow & {
  /** The FHIR type read (and exported) by this row. */
  readonly fhirType: string;
};

/**
 * Types whose `status` can say a record was entered in error: Epic's way of deleting clinical
 * data, which the gateway turns into a tombstone (docs/sync.md, "Deletions at the source").
 */
const RETRACTABLE = new Set(['Appointment', 'Encounter', 'Observation', 'DocumentReference']);

const row = (
  fhirType: string,
  cursor: CatalogRow['cursor'],
  operations: CatalogRow['operations'],
  thing: string | undefined,
  actions: string[],
  dependsOn?: string[],
): EpicCatalogRow => ({
  key: fhirType,
  source: 'epic',
  path: fhirType,
  idField: 'id',
  entity: fhirType,
  fhirTypes: [fhirType],
  fhirType,
  paging: cursor === 'bulk-export-since' ? 'none' : 'fhir-bundle-next',
  cursor,
  operations,
  scopes: [`system/${fhirType}.read`, ...(operations.includes('create') ? [`system/${fhirType}.write`] : [])],
  triggers: thing ? [`epic.${thing}.created`, `epic.${thing}.updated`] : [],
  actions,
  ...(dependsOn ? { dependsOn } : {}),
  ...(RETRACTABLE.has(fhirType) ? { deletedWhen: { field: 'status', equals: 'entered-in-error' } } : {}),
});

export const EPIC_CATALOG: readonly EpicCatalogRow[] = [
  row('Organization', 'bulk-export-since', ['read', 'search'], undefined, []),
  row('Location', 'bulk-export-since', ['read', 'search'], undefined, []),
  row('Practitioner', 'bulk-export-since', ['read', 'search'], undefined, []),
  row('PractitionerRole', 'bulk-export-since', ['read', 'search'], undefined, []),
  row('Patient', 'bulk-export-since', ['read', 'search', 'create'], 'patient', [
    'epic.patient.create',
    'epic.patient.find',
  ]),
  row(
    'Appointment',
    'bulk-export-since',
    ['read', 'search'],
    'appointment',
    ['epic.appointment.create', 'epic.appointment.find'],
    ['Patient'],
  ),
  row(
    'Encounter',
    'bulk-export-since',
    ['read', 'search'],
    'encounter',
    ['epic.encounter.create', 'epic.encounter.find'],
    ['Patient'],
  ),
  row(
    'Observation',
    'bulk-export-since',
    ['read', 'search', 'create', 'update'],
    'observation',
    ['epic.observation.create', 'epic.observation.find'],
    ['Patient'],
  ),
  row(
    'DocumentReference',
    'last-updated',
    ['read', 'search', 'create', 'update'],
    'document_reference',
    ['epic.document_reference.create', 'epic.document_reference.find'],
    ['Patient'],
  ),
];
