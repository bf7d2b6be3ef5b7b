import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme, gatewayId } from '../fhir/identity.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import type { MapResult } from './mapping-set.ts';
import { type Loose, writeMappingDir } from './test-support.ts';

const defs = loadMappingDefinitions();
const scheme = createIdentityScheme();
const scope = { tenant: 't1', connectionId: 'jane-1', source: 'jane' as const };

/** Maps `record` with a one-file Jane mapping whose template is `template` (YAML text). */
function mapWith(
  template: string,
  record: Record<string, unknown>,
  extra: Record<string, string> = {},
): MapResult {
  const dir = writeMappingDir({
    'jane/patient.yaml': `source: jane\nentity: patients\ntarget: Patient\nid: "=id"\ntemplate:\n${template}`,
    ...extra,
  });
  return loadMappingSet({ dir, defs, scheme }).forward('jane', 'patients', { id: 'p1', ...record }, scope);
}

function resource(result: MapResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected a mapped resource, got ${JSON.stringify(result)}`);
  const {
    id: _id,
    meta: _meta,
    identifier: _identifier,
    resourceType: _type,
    ...rest
  } = result.resources[0] as Resource & Record<string, unknown>;
  return rest;
}

describe('template values', () => {
  it('keeps literals and unescapes == into a string starting with =', () => {
    const out = resource(mapWith('  active: true\n  name:\n    - text: "==not an expression"\n', {}));
    expect(out).toEqual({ active: true, name: [{ text: '=not an expression' }] });
  });

  it('gives a scalar for one item, an array for several, and drops empty results', () => {
    const out = resource(
      mapWith('  birthDate: "=dob"\n  gender: "=missing"\n  name:\n    - given: "=names"\n', {
        dob: '1990-02-03',
        names: ['Ann', 'Bo'],
      }),
    );
    expect(out).toEqual({ birthDate: '1990-02-03', name: [{ given: ['Ann', 'Bo'] }] });
  });

  it('gives a repeating FHIR element an array even for a single item', () => {
    const out = resource(mapWith('  name:\n    - given: "=first"\n', { first: 'Ann' }));
    expect(out).toEqual({ name: [{ given: ['Ann'] }] });
  });

  it('drops objects and arrays left empty, and ~ values', () => {
    const out = resource(
      mapWith('  active: ~\n  name:\n    - family: "=nope"\n      given: ["=nope"]\n  gender: unknown\n', {}),
    );
    expect(out).toEqual({ gender: 'unknown' });
  });

  it('spreads collections inside arrays', () => {
    const out = resource(
      mapWith('  name:\n    - given: ["=first", "=middles"]\n', { first: 'A', middles: ['B', 'C'] }),
    );
    expect(out).toEqual({ name: [{ given: ['A', 'B', 'C'] }] });
  });

  it('reads the record as %record too', () => {
    expect(resource(mapWith('  birthDate: "=%record.dob"\n', { dob: '2001-01-01' }))).toEqual({
      birthDate: '2001-01-01',
    });
  });
});

describe('structure keys', () => {
  it('$each repeats an item per element with %item and %index', () => {
    const out = resource(
      mapWith(
        '  telecom:\n    - $each: "=phones"\n      system: phone\n      value: "=%item.number"\n      rank: "=%index + 1"\n',
        { phones: [{ number: '555-1' }, { number: '555-2' }] },
      ),
    );
    expect(out).toEqual({
      telecom: [
        { system: 'phone', value: '555-1', rank: 1 },
        { system: 'phone', value: '555-2', rank: 2 },
      ],
    });
  });

  it('$each over an empty collection drops the array', () => {
    expect(
      resource(mapWith('  active: true\n  telecom:\n    - $each: "=phones"\n      system: phone\n', {})),
    ).toEqual({
      active: true,
    });
  });

  it('$if keeps an array item or object only when the expression is true', () => {
    const template =
      '  telecom:\n    - $if: "=email.exists()"\n      system: email\n      value: "=email"\n    - system: phone\n      value: "=phone"\n  maritalStatus:\n    $if: "=married = true"\n    text: Married\n';
    expect(resource(mapWith(template, { phone: '1', married: false }))).toEqual({
      telecom: [{ system: 'phone', value: '1' }],
    });
    expect(resource(mapWith(template, { phone: '1', email: 'a@b.c', married: true }))).toEqual({
      telecom: [
        { system: 'email', value: 'a@b.c' },
        { system: 'phone', value: '1' },
      ],
      maritalStatus: { text: 'Married' },
    });
  });

  it('$each with $if filters items, and $value makes the item a value', () => {
    const out = resource(
      mapWith(
        '  name:\n    - given:\n        - $each: "=names"\n          $if: "=%item.length() > 1"\n          $value: "=%item.upper()"\n',
        {
          names: ['a', 'bob', 'cy'],
        },
      ),
    );
    expect(out).toEqual({ name: [{ given: ['BOB', 'CY'] }] });
  });

  it('$fragment splices a fragment with its $with parameters', () => {
    const fragment = 'template:\n  use: home\n  city: "=%city"\n  line: ["=%line1"]\n';
    const out = resource(
      mapWith(
        '  address:\n    - $fragment: address\n      $with:\n        city: "=addr.city"\n        line1: "=addr.line1"\n',
        { addr: { city: 'Oslo', line1: '1 Main St' } },
        { 'fragments/address.yaml': fragment },
      ),
    );
    expect(out).toEqual({ address: [{ use: 'home', city: 'Oslo', line: ['1 Main St'] }] });
  });

  it('$passthrough copies an object, replaces listed keys and removes empty or ~ ones', () => {
    const out = resource(
      mapWith(
        '  contact:\n    - $passthrough: "=kin"\n      gender: "=kin_sex"\n      name: ~\n      organization: "=nothing"\n',
        {
          kin: {
            name: { text: 'X' },
            telecom: [{ system: 'phone', value: '9' }],
            gender: 'male',
            organization: { display: 'O' },
          },
          kin_sex: 'female',
        },
      ),
    );
    expect(out).toEqual({ contact: [{ telecom: [{ system: 'phone', value: '9' }], gender: 'female' }] });
  });
});

describe('forward', () => {
  const appointmentAndEncounter = {
    'jane/appointment.yaml':
      'source: jane\nentity: appointments\ntarget: Appointment\nid: "=id"\ntemplate:\n  status: proposed\n  participant:\n    - actor: "=ref(\'Patient\', \'patients\', patient_id)"\n      status: accepted\n',
    'jane/appointment-encounter.yaml':
      'source: jane\nentity: appointments\ntarget: Encounter\nid: "=id"\nwhen: "=arrived = true"\ntemplate:\n  status: arrived\n  class:\n    code: AMB\n    system: http://terminology.hl7.org/CodeSystem/v3-ActCode\n',
  };

  it('gives one resource per mapping file of the entity, each with provenance', () => {
    const set = loadMappingSet({ dir: writeMappingDir(appointmentAndEncounter), defs, scheme });
    const result = set.forward('jane', 'appointments', { id: 'a1', patient_id: 7, arrived: true }, scope);
    if (!result.ok) throw new Error(JSON.stringify(result));
    expect(result.resources.map((r) => r.resourceType).sort()).toEqual(['Appointment', 'Encounter']);
    const appointment = result.resources.find((r) => r.resourceType === 'Appointment') as Loose;
    expect(appointment.id).toBe(gatewayId({ ...scope, sourceType: 'appointments', nativeId: 'a1' }));
    expect(appointment.participant[0].actor.reference).toBe(
      `Patient/${gatewayId({ ...scope, sourceType: 'patients', nativeId: '7' })}`,
    );
    expect(appointment.meta.source).toBe('urn:fhir-gateway:connection:jane-1');
    expect(appointment.identifier).toContainEqual({
      use: 'secondary',
      system: 'https://fhir-gateway.example/sid/jane/jane-1/appointments',
      value: 'a1',
    });
  });

  it('leaves out a file whose when is false, and skips a record no file wants', () => {
    const dir = writeMappingDir({
      ...appointmentAndEncounter,
      'jane/patient.yaml':
        'source: jane\nentity: patients\ntarget: Patient\nid: "=id"\nwhen: "=archived.not()"\ntemplate:\n  active: true\n',
    });
    const set = loadMappingSet({ dir, defs, scheme });
    const one = set.forward('jane', 'appointments', { id: 'a1', patient_id: 7, arrived: false }, scope);
    expect(one.ok && one.resources.map((r) => r.resourceType)).toEqual(['Appointment']);
    expect(set.forward('jane', 'patients', { id: 'p', archived: true }, scope)).toEqual({
      ok: false,
      skipped: true,
    });
    expect(set.entities('jane')).toEqual(['appointments', 'patients']);
  });

  it('fails an invalid output with the validator reason, path and mapping file', () => {
    const result = mapWith('  gender: "=sex"\n', { sex: 'M' });
    expect(result).toMatchObject({ ok: false, path: 'Patient.gender', mapping: 'jane/patient.yaml' });
    expect(!result.ok && 'reason' in result && result.reason).toMatch(/^invalid FHIR R4: /);
    expect(JSON.stringify(result)).not.toContain('"M"');
  });

  it('reads blank strings as absent: in expression results, $each lists and literals', () => {
    const result = mapWith(
      '  name:\n    - family: "=last"\n      given: ["=first", "=middle", "=nick.select($this)"]\n      text: ""\n  telecom:\n    - $each: "=phones"\n      system: phone\n      value: "=%item"\n',
      { id: 'p1', last: '', first: 'Ann', middle: '   ', nick: '', phones: ['', '555', ' '] },
    );
    expect(result.ok && result.resources[0]).toMatchObject({
      name: [{ given: ['Ann'] }],
      telecom: [{ system: 'phone', value: '555' }],
    });
    expect(JSON.stringify(result)).not.toContain('""');
    expect(JSON.stringify(result)).not.toContain('"   "');
  });

  it('fails (does not throw) for a record that is not an object, an id that is not one string, or an unknown entity', () => {
    const dir = writeMappingDir({
      'jane/patient.yaml':
        'source: jane\nentity: patients\ntarget: Patient\nid: "=id"\ntemplate:\n  active: true\n',
    });
    const set = loadMappingSet({ dir, defs, scheme });
    expect(set.forward('jane', 'patients', [1, 2], scope)).toMatchObject({
      ok: false,
      reason: 'the record is not a JSON object',
    });
    expect(set.forward('jane', 'patients', { id: 1.5 }, scope)).toMatchObject({
      ok: false,
      reason: 'id must give one non-empty string or integer',
      path: 'Patient (id)',
    });
    expect(set.forward('jane', 'nothing', {}, scope)).toMatchObject({
      ok: false,
      reason: 'no mapping for jane:nothing',
    });
  });

  it('fails a record whose expression errors at run time, without quoting data', () => {
    const result = mapWith('  birthDate: "=dob.toChars().single()"\n', { dob: 'secret-value' });
    expect(result).toMatchObject({ ok: false, path: 'Patient.birthDate' });
    expect(JSON.stringify(result)).not.toContain('secret-value');
  });

  it('rewrites FHIR references when rewriteReferences is set, also under the given base URL', () => {
    const dir = writeMappingDir({
      'epic/observation.yaml':
        'source: epic\nentity: Observation\ntarget: Observation\nid: "=id"\nrewriteReferences: true\ntemplate:\n  $passthrough: "=%record"\n',
    });
    const set = loadMappingSet({ dir, defs, scheme });
    const epicScope = { tenant: 't1', connectionId: 'epic-1', source: 'epic' as const };
    const record = {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'https://epic.example/api/FHIR/R4/Patient/e1' },
      encounter: { reference: 'Encounter/e2' },
    };
    const result = set.forward('epic', 'Observation', record, epicScope, {
      fhirBaseUrl: 'https://epic.example/api/FHIR/R4',
    });
    if (!result.ok) throw new Error(JSON.stringify(result));
    const out = result.resources[0] as Loose;
    expect(out.subject.reference).toBe(
      `Patient/${gatewayId({ ...epicScope, sourceType: 'Patient', nativeId: 'e1' })}`,
    );
    expect(out.encounter.reference).toBe(
      `Encounter/${gatewayId({ ...epicScope, sourceType: 'Encounter', nativeId: 'e2' })}`,
    );
  });
});

describe('reverse', () => {
  const dir = writeMappingDir({
    'jane/patient.yaml':
      'source: jane\nentity: patients\ntarget: Patient\nid: "=id"\ntemplate:\n  active: true\nreverse:\n  template:\n    first_name: "=name.given.first()"\n    birth_date: "=birthDate"\n    note: "=gender"\n',
    'jane/staff.yaml':
      'source: jane\nentity: staff\ntarget: Practitioner\nid: "=id"\ntemplate:\n  active: true\nreverse:\n  template:\n    self: "=gatewayId(\'staff\', id)"\n',
  });
  const set = loadMappingSet({ dir, defs, scheme });

  it('maps a FHIR resource to the native payload, dropping empty values', () => {
    const result = set.reverse('jane', 'patients', {
      resourceType: 'Patient',
      name: [{ given: ['Ann'] }],
      birthDate: '1990-01-01',
    } as Resource);
    expect(result).toEqual({ ok: true, payload: { first_name: 'Ann', birth_date: '1990-01-01' } });
  });

  it('says why when there is no reverse mapping or it uses gateway ids', () => {
    expect(set.reverse('jane', 'patients', { resourceType: 'Practitioner' })).toMatchObject({ ok: false });
    expect(set.reverse('jane', 'staff', { resourceType: 'Practitioner', id: 'x' })).toEqual({
      ok: false,
      reason: 'gatewayId() is not available in reverse templates',
      path: 'payload.self',
    });
  });
});
