import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { drchronoCreateRow } from './write-rows.ts';

const basic = (code: string) =>
  ({
    resourceType: 'Basic',
    code: { coding: [{ system: 'urn:fhir-gateway:codesystem:basic-kind', code }] },
  }) as Resource;

/** Creates of the calendar-configuration types go to their rows by the kind the mappings write. */
describe('DrChrono calendar-configuration create routing', () => {
  it('sends an ActivityDefinition of kind Appointment to appointment profiles, any other to task templates', () => {
    const definition = (kind?: string) =>
      ({ resourceType: 'ActivityDefinition', ...(kind ? { kind } : {}) }) as Resource;
    expect(drchronoCreateRow(definition('Appointment'))).toEqual({ row: 'appointment_profiles' });
    expect(drchronoCreateRow(definition('Task'))).toEqual({ row: 'task_templates' });
    // A task template written before kinds were routed (no kind) still goes where it went.
    expect(drchronoCreateRow(definition())).toEqual({ row: 'task_templates' });
  });

  it('sends Slots to schedule blocks, Schedules to appointment templates, and Basics by their kind', () => {
    expect(drchronoCreateRow({ resourceType: 'Slot' } as Resource)).toEqual({ row: 'schedule_blocks' });
    expect(drchronoCreateRow({ resourceType: 'Schedule' } as Resource)).toEqual({
      row: 'appointment_templates',
    });
    expect(drchronoCreateRow(basic('drchrono-reminder-profile'))).toEqual({ row: 'reminder_profiles' });
    expect(drchronoCreateRow(basic('drchrono-telehealth-appointment'))).toEqual({
      row: 'telehealth_appointments',
    });
    expect(drchronoCreateRow(basic('drchrono-task-status'))).toEqual({ row: 'task_statuses' });
  });

  it('refuses a Basic that says no kind, naming the choices', () => {
    const refused = drchronoCreateRow({ resourceType: 'Basic', code: { text: 'which?' } } as Resource);
    expect(refused).toMatchObject({ reason: expect.stringContaining('reminder_profiles') });
    expect(refused).toMatchObject({ reason: expect.stringContaining('telehealth_appointments') });
  });
});
