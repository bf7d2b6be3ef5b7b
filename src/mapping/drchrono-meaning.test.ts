import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme } from '../fhir/identity.ts';
import { goldenScope } from './fixtures.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import type { Loose } from './test-support.ts';

/**
 * Defects of meaning in the DrChrono mappings that validation cannot see (issue 13, section 2), each
 * on the smallest record that shows it. The golden pairs pin whole outputs; these pin the rule.
 */
const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const set = loadMappingSet({
  dir: mappingsDir,
  defs: loadMappingDefinitions(),
  scheme: createIdentityScheme(),
  sources: ['drchrono', 'jane'],
});
const scope = goldenScope('drchrono');
const fixture = (name: string): Loose =>
  JSON.parse(readFileSync(join(mappingsDir, 'drchrono', 'fixtures', `${name}.input.json`), 'utf8')).record;

const patientOf = (resources: Loose[]) => resources.find((resource) => resource.resourceType === 'Patient');

function mapped(entity: string, record: unknown, options = {}): Loose[] {
  const result = set.forward('drchrono', entity, record, scope, options);
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.resources as Loose[];
}

describe('DrChrono meaning', () => {
  it('names the doctor once when primary_care_physician is the same doctor as a string', () => {
    const patient = { ...fixture('patient-full'), doctor: 1840002, primary_care_physician: '1840002' };
    expect(patientOf(mapped('patients', patient))?.generalPractitioner).toHaveLength(1);
    const other = { ...patient, primary_care_physician: '1840001' };
    expect(patientOf(mapped('patients', other))?.generalPractitioner).toHaveLength(2);
  });

  it('gives the chart id identifier a per-connection system', () => {
    const patient = patientOf(mapped('patients', fixture('patient-full')));
    const mr = patient?.identifier.find((identifier: Loose) => identifier.type?.coding?.[0]?.code === 'MR');
    expect(mr.system).toBe('urn:fhir-gateway:sid:drchrono:drchrono-golden:chart-id');
  });

  it('books an appointment whose status is "" (the default) and quarantines an unknown status', () => {
    const record = { ...fixture('appointment-future'), status: '' };
    const types = mapped('appointments', record).map((resource) => [resource.resourceType, resource.status]);
    expect(types).toEqual([
      ['Encounter', 'planned'],
      ['Appointment', 'booked'],
    ]);
    const unknown = set.forward('drchrono', 'appointments', { ...record, status: 'Waiting for ride' }, scope);
    expect(unknown).toMatchObject({ ok: false, reason: expect.stringContaining('not mapped by ConceptMap') });
    // The reason names the map, never the native value.
    expect(JSON.stringify(unknown)).not.toContain('Waiting for ride');
  });

  it.each([
    ['Cancelled', 'cancelled'],
    ['No Show', 'cancelled'],
    ['Rescheduled', 'cancelled'],
    ['Confirmed', 'planned'],
  ])('gives a %s appointment an Encounter (%s) for the billing that points at it', (status, encounter) => {
    const resources = mapped('appointments', { ...fixture('appointment-cancelled'), status });
    expect(resources.find((resource) => resource.resourceType === 'Encounter')?.status).toBe(encounter);
  });

  it('ends a finished Encounter at scheduled_time + duration', () => {
    const record = {
      ...fixture('appointment-complete'),
      scheduled_time: '2024-01-02T08:00:00',
      duration: 45,
    };
    const encounter = mapped('appointments', record).find(
      (resource) => resource.resourceType === 'Encounter',
    );
    expect(encounter?.period).toEqual({ start: '2024-01-02T08:00:00Z', end: '2024-01-02T08:45:00Z' });
  });

  it("reads wall-clock times in the connection's time zone (ForwardOptions.timeZone)", () => {
    const record = {
      ...fixture('appointment-complete'),
      scheduled_time: '2024-07-02T08:00:00',
      duration: 30,
    };
    const of = (resources: Loose[], type: string) =>
      resources.find((resource) => resource.resourceType === type);
    const chicago = mapped('appointments', record, { timeZone: 'America/Chicago' });
    expect(of(chicago, 'Appointment')?.start).toBe('2024-07-02T08:00:00-05:00'); // daylight time
    expect(of(chicago, 'Encounter')?.period.end).toBe('2024-07-02T13:30:00Z');
    expect(of(mapped('appointments', record), 'Appointment')?.start).toBe('2024-07-02T08:00:00Z');
  });

  it('gives every vital-sign Observation of one visit its own identifier', () => {
    const resources = mapped('appointments', fixture('appointment-complete'));
    const values = resources.map((resource) => `${resource.resourceType}|${resource.identifier?.[0]?.value}`);
    expect(new Set(values).size).toBe(values.length);
  });

  it('leaves out a coding with no code (a patient payment whose transaction type is "")', () => {
    const [payment] = mapped('patient_payments', {
      ...fixture('patient-payment'),
      payment_transaction_type: '',
    });
    expect(payment?.detail[0].type.coding).toEqual([
      { system: 'http://terminology.hl7.org/CodeSystem/payment-type', code: 'payment' },
    ]);
  });

  it('types scanned documents and gives their attachments a content type', () => {
    const [document] = mapped('documents', fixture('document'));
    expect(document?.type.coding[0]).toMatchObject({ system: 'http://loinc.org', code: '11503-0' });
    expect(document?.content[0].attachment.contentType).toBe('application/pdf');
  });
});

describe('Jane meaning', () => {
  it("prices treatments in the connection's currency", () => {
    const record = JSON.parse(
      readFileSync(join(mappingsDir, 'jane', 'fixtures', 'treatment-class.input.json'), 'utf8'),
    ).record;
    const result = set.forward('jane', 'treatments', record, goldenScope('jane'), { currency: 'CAD' });
    if (!result.ok) throw new Error(JSON.stringify(result));
    const price = result.resources.find(
      (resource) => resource.resourceType === 'ChargeItemDefinition',
    ) as Loose;
    expect(price.propertyGroup[0].priceComponent[0].amount).toMatchObject({ currency: 'CAD' });
  });
});
