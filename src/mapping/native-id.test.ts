import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme } from '../fhir/identity.ts';
import { MappingLoadError } from './load-error.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import { nativeIdFromResource, nativeIdResolver } from './native-id.ts';
import { writeMappingDir } from './test-support.ts';

const defs = loadMappingDefinitions();
const scheme = createIdentityScheme();
const scope = { tenant: 't', connectionId: 'dc-1', source: 'drchrono' as const };
const sid = (connection: string, type: string) =>
  `https://fhir-gateway.example/sid/drchrono/${connection}/${type}`;

describe('nativeIdFromResource', () => {
  it('reads the native-id identifier of the connection, whatever the source type', () => {
    const practitioner = {
      resourceType: 'Practitioner',
      id: 'g1',
      identifier: [
        { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' },
        { system: sid('dc-other', 'doctors'), value: '9' },
        { use: 'secondary', system: sid('dc-1', 'doctors'), value: '42' },
      ],
    } as Resource;
    expect(nativeIdFromResource(scheme, practitioner, scope)).toBe('42');
    expect(nativeIdFromResource(scheme, practitioner, { ...scope, connectionId: 'dc-other' })).toBe('9');
    expect(nativeIdFromResource(scheme, practitioner, { ...scope, connectionId: 'dc-2' })).toBeUndefined();
  });

  it('reads a single (non-repeating) identifier and gives nothing when ids disagree or are missing', () => {
    const single = { resourceType: 'X', identifier: { system: sid('dc-1', 'things'), value: '7' } };
    expect(nativeIdFromResource(scheme, single as unknown as Resource, scope)).toBe('7');
    const twoIds = {
      resourceType: 'Patient',
      identifier: [
        { system: sid('dc-1', 'patients'), value: '1' },
        { system: sid('dc-1', 'patients_summary'), value: '2' },
      ],
    } as Resource;
    expect(nativeIdFromResource(scheme, twoIds, scope)).toBeUndefined();
    expect(nativeIdFromResource(scheme, { resourceType: 'Binary' } as Resource, scope)).toBeUndefined();
  });

  it("gives the record's native id for one of several resources of a record (`<native id>#<qualifier>`)", () => {
    const reading = {
      resourceType: 'Observation',
      identifier: [{ system: sid('dc-1', 'appointments'), value: '281000042#blood_pressure' }],
    } as Resource;
    expect(nativeIdFromResource(scheme, reading, scope)).toBe('281000042');
  });

  it('builds a resolver from resources, keyed by Type/id', () => {
    const resolve = nativeIdResolver(scheme, scope, [
      { resourceType: 'Patient', id: 'p', identifier: [{ system: sid('dc-1', 'patients'), value: '5' }] },
      { resourceType: 'Patient', id: 'q' },
    ] as Resource[]);
    expect(resolve('Patient/p')).toBe('5');
    expect(resolve('Practitioner/p')).toBeUndefined();
    expect(resolve('Patient/q')).toBeUndefined();
  });
});

describe('nativeId() in reverse templates', () => {
  const mapping = (reverse: string) =>
    `source: drchrono\nentity: appointments\ntarget: Appointment\nid: "=id"\ntemplate:\n  status: booked\nreverse:\n  template:\n${reverse}`;
  const dir = writeMappingDir({
    'drchrono/appointment.yaml': mapping(
      '    patient: "=nativeId(participant.actor.where(reference.startsWith(\'Patient/\'))).toInteger()"\n    refs:\n      - $each: "=participant.actor"\n        $value: "=nativeId(%item)"\n',
    ),
  });
  const set = loadMappingSet({ dir, defs, scheme });
  const appointment = {
    resourceType: 'Appointment',
    status: 'booked',
    participant: [
      { actor: { reference: 'Patient/gp' }, status: 'accepted' },
      { actor: { reference: 'Location/gl' }, status: 'accepted' },
    ],
  } as Resource;
  const ids: Record<string, string | number> = { 'Patient/gp': '12', 'Location/gl': 3 };

  it('writes the native ids the resolver gives', () => {
    expect(set.reverse('drchrono', 'appointments', appointment, { resolveNativeId: (r) => ids[r] })).toEqual({
      ok: true,
      payload: { patient: 12, refs: ['12', 3] },
    });
  });

  it('fails, naming the template path only, for an unresolved reference or a missing resolver', () => {
    const unresolved = set.reverse('drchrono', 'appointments', appointment, {
      resolveNativeId: (r) => (r === 'Patient/gp' ? '12' : undefined),
    });
    expect(unresolved).toEqual({
      ok: false,
      reason: 'nativeId: the reference cannot be resolved to a native id',
      path: 'payload.refs',
    });
    expect(JSON.stringify(unresolved)).not.toContain('gl');
    expect(set.reverse('drchrono', 'appointments', appointment)).toEqual({
      ok: false,
      reason: 'nativeId() needs a native-id resolver: reverse() was called without one',
      path: 'payload.patient',
    });
  });

  it('fails for a value that is not a literal reference', () => {
    const identifierOnly = {
      resourceType: 'Appointment',
      participant: [{ actor: { identifier: { value: 'x' } }, status: 'accepted' }],
    } as Resource;
    expect(set.reverse('drchrono', 'appointments', identifierOnly, { resolveNativeId: () => '1' })).toEqual({
      ok: false,
      reason: 'nativeId: the value is not a reference with a literal reference',
      path: 'payload.refs',
    });
  });

  it('is a load error outside reverse templates', () => {
    const forward = writeMappingDir({
      'drchrono/appointment.yaml':
        'source: drchrono\nentity: appointments\ntarget: Appointment\nid: "=id"\ntemplate:\n  comment: "=nativeId(patient)"\n',
    });
    expect(() => loadMappingSet({ dir: forward, defs, scheme })).toThrow(MappingLoadError);
    expect(() => loadMappingSet({ dir: forward, defs, scheme })).toThrow(
      /nativeId\(\) is only available in reverse templates/,
    );
  });
});
