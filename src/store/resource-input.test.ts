import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { inputBytesFromStamped } from './resource-input.ts';
import { stampMeta } from './versioning.ts';

describe('inputBytesFromStamped', () => {
  const at = '2026-12-04T09:00:00.000Z';
  // Every shape of meta an input can have, with multi-byte text so bytes and characters differ.
  const inputs: Array<[string, Record<string, unknown>]> = [
    ['no meta', { resourceType: 'Patient', id: 'p', name: [{ family: 'Müller 😀' }] }],
    ['meta first', { meta: { source: 'é' }, resourceType: 'Patient', id: 'p' }],
    [
      'meta in the middle',
      { resourceType: 'Patient', meta: { tag: [{ code: 'x' }] }, id: 'p', gender: 'male' },
    ],
    [
      'stale volatile meta',
      { resourceType: 'Patient', id: 'p', meta: { versionId: '99', lastUpdated: '2001' } },
    ],
    ['empty meta', { resourceType: 'Patient', id: 'p', meta: {} }],
    ['meta undefined', { resourceType: 'Patient', id: 'p', meta: undefined, active: true }],
    ['meta null', { resourceType: 'Patient', id: 'p', meta: null }],
    ['meta an array', { resourceType: 'Patient', id: 'p', meta: [1] }],
    ['meta with toJSON', { resourceType: 'Patient', id: 'p', meta: { toJSON: () => ({ z: 'ü' }) } }],
    ['resource with toJSON', { resourceType: 'Patient', id: 'p', toJSON: () => ({ a: 1 }) }],
    [
      'meta not enumerable',
      Object.defineProperty({ resourceType: 'Patient', id: 'p' }, 'meta', { value: { source: 'x' } }),
    ],
    [
      'meta inherited',
      Object.assign(Object.create({ meta: { source: 'proto' } }), { resourceType: 'Patient', id: 'p' }),
    ],
  ];

  it.each(inputs)('measures what JSON.stringify of the input measures (%s)', (_, input) => {
    const stamped = stampMeta(input as unknown as Resource, 3, at);
    const body = JSON.stringify(stamped);
    expect(inputBytesFromStamped(input as unknown as Resource, stamped, body)).toBe(
      Buffer.byteLength(JSON.stringify(input)),
    );
  });
});
