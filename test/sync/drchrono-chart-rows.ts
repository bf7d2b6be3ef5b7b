import { DRCHRONO_CATALOG } from '../../src/connectors/drchrono/catalog.ts';

// Practice and calendar configuration is paced like the chart but tested with its actions
// (test/actions/drchrono-config-actions.test.ts, drchrono-calendar-config.test.ts).
const CONFIGURATION = [
  'consent_forms',
  'patient_flag_types',
  'clinical_note_templates',
  'patient_payment_log',
  'schedule_blocks',
  'reminder_profiles',
  'telehealth_appointments',
  'appointment_templates',
  'appointment_profiles',
];

/** DrChrono's chart rows: paced, polled by themselves, not configuration. */
export const DRCHRONO_CHART_ROWS = DRCHRONO_CATALOG.filter(
  (r) => r.pollEveryMs !== undefined && r.polledBy === undefined && !CONFIGURATION.includes(r.key),
);
