import type { TriggerDefinition } from '../connector.ts';

/** Epic's 10 seed triggers (../shared/seeds/003: "Triggers 10"), names verbatim. */
const pair = (thing: string, row: string, label: string): TriggerDefinition[] => [
  {
    id: `epic.${thing}.created`,
    source: 'epic',
    seedName: `${label} created`,
    row,
    resourceType: row,
    kinds: ['created'],
  },
  {
    id: `epic.${thing}.updated`,
    source: 'epic',
    seedName: `${label} updated`,
    row,
    resourceType: row,
    kinds: ['updated'],
  },
];

export const EPIC_TRIGGERS: readonly TriggerDefinition[] = [
  ...pair('appointment', 'Appointment', 'Appointment'),
  ...pair('document_reference', 'DocumentReference', 'Document reference'),
  ...pair('encounter', 'Encounter', 'Encounter'),
  ...pair('observation', 'Observation', 'Observation'),
  ...pair('patient', 'Patient', 'Patient'),
];
