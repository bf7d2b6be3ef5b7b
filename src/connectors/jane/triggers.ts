import type { TriggerDefinition } from '../connector.ts';

/**
 * Jane's 12 seed triggers (../shared/seeds/000: "Triggers 12"), names verbatim. Jane polls
 * `updated_at[gte]`; created vs updated is decided by the store (first sight vs changed hash).
 */
const pair = (
  thing: string,
  row: string,
  resourceType: string,
  label: string,
  /** Other types of the record whose change is an update of it too. */
  alsoOn?: readonly string[],
): TriggerDefinition[] => [
  {
    id: `jane.${thing}.created`,
    source: 'jane',
    seedName: `New ${label} Created`,
    row,
    resourceType,
    kinds: ['created'],
  },
  {
    id: `jane.${thing}.updated`,
    source: 'jane',
    seedName: `${label} Updated`,
    row,
    resourceType,
    kinds: ['updated'],
    ...(alsoOn ? { alsoOn } : {}),
  },
];

export const JANE_TRIGGERS: readonly TriggerDefinition[] = [
  ...pair('patient', 'patients', 'Patient', 'Patient'),
  ...pair('appointment', 'appointments', 'Appointment', 'Appointment'),
  ...pair('staff_member', 'staff_members', 'Practitioner', 'Staff Member'),
  ...pair('location', 'locations', 'Location', 'Location'),
  ...pair('discipline', 'disciplines', 'HealthcareService', 'Discipline'),
  // A re-priced treatment changes only its ChargeItemDefinition: still "Treatment Updated".
  ...pair('treatment', 'treatments', 'ActivityDefinition', 'Treatment', ['ChargeItemDefinition']),
];
