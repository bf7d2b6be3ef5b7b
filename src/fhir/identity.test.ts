import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_SOURCE_PREFIX,
  connectionIdFromSource,
  connectionSource,
  createIdentityScheme,
  gatewayId,
  IdentityError,
  type NativeRecordKey,
  nativeIdentifierSystem,
} from './identity.ts';
import { FHIR_ID_PATTERN } from './resource-id-check.ts';

const key: NativeRecordKey = {
  tenant: 'acme',
  connectionId: 'jane-main',
  source: 'jane',
  sourceType: 'patients',
  nativeId: '1042',
};

describe('gatewayId', () => {
  it('is deterministic and a valid FHIR id of 32 base32 characters', () => {
    const id = gatewayId(key);
    expect(id).toBe(gatewayId({ ...key }));
    expect(id).toMatch(/^[a-z2-7]{32}$/);
    expect(id).toMatch(FHIR_ID_PATTERN);
  });

  it.each([
    ['tenant', { tenant: 'other' }],
    ['connection', { connectionId: 'jane-second' }],
    ['source type', { sourceType: 'appointments' }],
    ['native id', { nativeId: '1043' }],
    ['qualifier', { qualifier: 'height' }],
  ])('differs when the %s differs', (_name, change) => {
    expect(gatewayId({ ...key, ...change })).not.toBe(gatewayId(key));
  });

  it('cannot be forged by moving characters between fields', () => {
    const a = gatewayId({ ...key, tenant: 'a', nativeId: 'b-c' });
    const b = gatewayId({ ...key, tenant: 'a-b', nativeId: 'c' });
    expect(a).not.toBe(b);
  });

  it('answers the same id from its memo of recent ids as computed afresh, before and after the memo fills', () => {
    // The digest spelled out: a memo hit must never answer another key's id.
    const fresh = (k: typeof key) =>
      base32Of(
        createHash('sha256')
          .update(
            JSON.stringify([
              'fhir-gateway-id/v1',
              k.tenant,
              k.connectionId,
              k.sourceType,
              k.nativeId,
              k.qualifier ?? null,
            ]),
          )
          .digest()
          .subarray(0, 20),
      );
    const first = { ...key, nativeId: 'memo-1' };
    expect(gatewayId(first)).toBe(fresh(first));
    expect(gatewayId({ ...first })).toBe(fresh(first));
    expect(gatewayId({ ...first, qualifier: 'q' })).toBe(fresh({ ...first, qualifier: 'q' }));
    for (let i = 0; i < 5_000; i++) gatewayId({ ...key, nativeId: `fill-${i}` });
    expect(gatewayId(first)).toBe(fresh(first));
    expect(gatewayId({ ...key, nativeId: 'fill-4999' })).toBe(fresh({ ...key, nativeId: 'fill-4999' }));
  });

  it('has no collisions over many keys', () => {
    const ids = new Set(Array.from({ length: 20_000 }, (_, i) => gatewayId({ ...key, nativeId: String(i) })));
    expect(ids.size).toBe(20_000);
  });

  it.each([
    ['empty tenant', { tenant: '' }],
    ['connection id with a slash', { connectionId: 'a/b' }],
    ['source type with a space', { sourceType: 'lab orders' }],
    ['unknown source', { source: 'athena' as 'jane' }],
    ['empty native id', { nativeId: '' }],
  ])('rejects %s with a clear error', (_name, change) => {
    expect(() => gatewayId({ ...key, ...change })).toThrow(IdentityError);
  });
});

describe('identifier systems and meta.source', () => {
  const scheme = createIdentityScheme();

  it('names source, connection and source type', () => {
    expect(nativeIdentifierSystem(scheme, key)).toBe(
      'https://fhir-gateway.example/sid/jane/jane-main/patients',
    );
  });

  it('uses the configured base URL', () => {
    const custom = createIdentityScheme('https://gw.clinic.test/fhir');
    expect(nativeIdentifierSystem(custom, key)).toBe(
      'https://gw.clinic.test/fhir/sid/jane/jane-main/patients',
    );
  });

  it.each(['not a url', 'https://x.test/', 'ftp://x.test'])('rejects base URL %s', (url) => {
    expect(() => createIdentityScheme(url)).toThrow(IdentityError);
  });

  it('round-trips the connection id through meta.source', () => {
    expect(connectionSource('jane-main')).toBe(`${CONNECTION_SOURCE_PREFIX}jane-main`);
    expect(connectionIdFromSource(connectionSource('jane-main'))).toBe('jane-main');
    expect(connectionIdFromSource('http://elsewhere.test')).toBeUndefined();
    expect(connectionIdFromSource(undefined)).toBeUndefined();
  });
});

/** RFC 4648 base32, lowercase, no padding: the id alphabet of docs/identity.md. */
function base32Of(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5)
    out += alphabet[Number.parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}
