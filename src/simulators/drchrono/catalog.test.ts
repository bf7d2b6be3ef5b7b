import { describe, expect, it } from 'vitest';
import { loadCatalog, parseCatalog } from './catalog.ts';

/** The 23 DrChrono polling triggers of the connector catalog (seed 001). */
const TRIGGERS = [
  'patients',
  'patients_summary',
  'patient_messages',
  'patient_payments',
  'appointments',
  'appointments_list',
  'lab_orders',
  'lab_documents',
  'documents',
  'fee_schedules',
  'line_items',
  'transactions',
  'prescription_messages',
  'comm_logs',
  'messages',
  'tasks',
  'task_templates',
  'task_categories',
  'task_statuses',
  'task_notes',
  'inventory_vaccines',
  'inventory_categories',
  'audit_log',
];

describe('DrChrono catalog', () => {
  const catalog = loadCatalog();

  it('has a row for every trigger, each listable', () => {
    expect(
      catalog.endpoints
        .filter((e) => e.trigger)
        .map((e) => e.resource)
        .sort(),
    ).toEqual([...TRIGGERS].sort());
    for (const name of TRIGGERS) expect(catalog.endpoint(name)?.collectionMethods).toContain('GET');
  });

  it('has rows for the endpoints the actions call', () => {
    for (const name of [
      'doctors',
      'users',
      'doctor_options',
      'offices',
      'office_work_schedule',
      'doctor_work_schedule',
      'staff',
      'clinical_notes',
      'clinical_note_field_values',
      'clinical_note_templates',
      'clinical_note_field_types',
      'amendments',
      'lab_tests',
      'lab_results',
      'patient_lab_results',
      'sublabs',
      'medications',
      'allergies',
      'problems',
      'care_plans',
      'care_team_members',
      'implantable_devices',
      'patient_vaccine_records',
      'eobs',
      'claim_billing_notes',
      'insurances',
      'fee_schedules_v2',
      'billing_profiles',
      'procedures',
      'eligibility_checks',
      'custom_insurance_plan_names',
      'consent_forms',
      'signed_consent_forms',
      'appointment_profiles',
      'appointment_templates',
      'telehealth_appointments',
      'telehealth_appointment_history',
      'schedule_blocks',
      'reminder_profiles',
      'patient_communications',
      'patient_interventions',
      'patient_physical_exams',
      'patient_risk_assessments',
      'patient_flag_types',
      'custom_demographics',
      'yellow_notepad',
      'clinical_notes_list',
      'line_items_list',
      'transactions_list',
      'eligibility_checks_list',
    ]) {
      expect(catalog.endpoint(name), name).toBeDefined();
    }
  });

  it('declares since on the documented resources and updated_since only on messages', () => {
    for (const name of ['patients', 'appointments', 'audit_log', 'tasks', 'line_items', 'comm_logs']) {
      expect(catalog.endpoint(name)?.since, name).toBe(true);
    }
    expect(catalog.endpoint('messages')?.since).toBe(false);
    expect(catalog.endpoints.filter((e) => e.updatedSince).map((e) => e.resource)).toEqual(['messages']);
  });

  it('rejects a malformed catalog with a clear error', () => {
    expect(() => parseCatalog([{ resource: 'x' }], {})).toThrow();
    const row = { ...catalog.endpoint('tasks'), schema: 'NoSuchSchema' };
    expect(() => parseCatalog([row], {})).toThrow(/unknown schema NoSuchSchema/);
  });
});
