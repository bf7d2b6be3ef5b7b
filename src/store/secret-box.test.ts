import { describe, expect, it } from 'vitest';
import { SecretDecryptionError } from './errors.ts';
import { createSecretBox, keyId } from './secret-box.ts';

const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);
const ctx = ['connection', 'tenant-1', 'jane-1'];

/** The sealed parts, decoded, and a way to put them back together after tampering. */
const split = (sealed: string) => {
  const [version, kid, iv, tag, ciphertext] = sealed.split('.') as [string, string, string, string, string];
  const bytes = (t: string) => Buffer.from(t, 'base64url');
  return {
    version,
    kid,
    iv: bytes(iv),
    tag: bytes(tag),
    ciphertext: bytes(ciphertext),
    join: (p: { version?: string; kid?: string; iv?: Buffer; tag?: Buffer; ciphertext?: Buffer }) =>
      [
        p.version ?? version,
        p.kid ?? kid,
        (p.iv ?? bytes(iv)).toString('base64url'),
        (p.tag ?? bytes(tag)).toString('base64url'),
        (p.ciphertext ?? bytes(ciphertext)).toString('base64url'),
      ].join('.'),
  };
};

describe('secret box (AES-256-GCM)', () => {
  const box = createSecretBox(KEY_A);

  it('round-trips, never stores the plaintext, uses a fresh 12-byte IV and a 16-byte tag', () => {
    const a = box.seal('token-123', ctx);
    const b = box.seal('token-123', ctx);
    expect(a).not.toContain('token-123');
    expect(a).not.toBe(b);
    expect(box.open(a, ctx, 'x')).toBe('token-123');
    const parts = split(a);
    expect(parts.version).toBe('v2');
    expect(parts.kid).toBe(keyId(KEY_A));
    expect(parts.iv).toHaveLength(12);
    expect(parts.tag).toHaveLength(16);
  });

  it('refuses a wrong key, another context, and tampered data with a typed error', () => {
    const sealed = box.seal('token-123', ctx);
    expect(() => createSecretBox(KEY_B).open(sealed, ctx, 'conn')).toThrow(SecretDecryptionError);
    expect(() => box.open(sealed, ['connection', 'tenant-1', 'jane-2'], 'conn')).toThrow(
      /cannot decrypt the secrets of conn/,
    );
    const parts = split(sealed);
    const flipped = Buffer.from(parts.ciphertext);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => box.open(parts.join({ ciphertext: flipped }), ctx, 'conn')).toThrow(SecretDecryptionError);
    expect(() => box.open('plain text', ctx, 'conn')).toThrow(SecretDecryptionError);
    expect(() => box.open(parts.join({ version: 'v1' }), ctx, 'conn')).toThrow(SecretDecryptionError);
  });

  it('refuses a truncated tag: every length below 16 bytes, though GCM alone would accept 4 to 15', () => {
    const sealed = box.seal('token-123', ctx);
    const parts = split(sealed);
    for (const length of [0, 4, 8, 12, 15]) {
      expect(() => box.open(parts.join({ tag: parts.tag.subarray(0, length) }), ctx, 'conn')).toThrow(
        SecretDecryptionError,
      );
    }
    // A tag that is too long is no better.
    expect(() =>
      box.open(parts.join({ tag: Buffer.concat([parts.tag, Buffer.alloc(1)]) }), ctx, 'conn'),
    ).toThrow(SecretDecryptionError);
  });

  it('refuses an IV that is not 12 bytes', () => {
    const parts = split(box.seal('token-123', ctx));
    for (const iv of [parts.iv.subarray(0, 8), Buffer.concat([parts.iv, Buffer.alloc(4)])]) {
      expect(() => box.open(parts.join({ iv }), ctx, 'conn')).toThrow(SecretDecryptionError);
    }
  });

  it('binds the context part by part: tenant "a/b" + id "c" is not tenant "a" + id "b/c"', () => {
    const sealed = box.seal('s', ['connection', 'a/b', 'c']);
    expect(box.open(sealed, ['connection', 'a/b', 'c'], 'x')).toBe('s');
    for (const other of [
      ['connection', 'a', 'b/c'],
      ['connection', 'a/b/c'],
      ['connection', 'a/b', 'c', ''],
      ['connection/a/b', 'c'],
      ['tenant-secret', 'a/b', 'c'],
    ]) {
      expect(() => box.open(sealed, other, 'x')).toThrow(SecretDecryptionError);
    }
  });

  it('opens with any key of the ring, seals with the current one, and reseals only stale values', () => {
    const old = createSecretBox(KEY_A).seal('token-123', ctx);
    const ring = createSecretBox({ current: KEY_B, previous: [KEY_A] });
    expect(ring.currentKeyId).toBe(keyId(KEY_B));
    expect(ring.open(old, ctx, 'x')).toBe('token-123');
    expect(ring.isCurrent(old)).toBe(false);
    const fresh = ring.reseal(old, ctx, 'x') ?? '';
    expect(split(fresh).kid).toBe(keyId(KEY_B));
    expect(ring.isCurrent(fresh)).toBe(true);
    expect(ring.reseal(fresh, ctx, 'x')).toBeUndefined();
    expect(createSecretBox(KEY_B).open(fresh, ctx, 'x')).toBe('token-123');
    // A value whose key left the ring does not open, and says so without the value.
    expect(() => createSecretBox(KEY_B).open(old, ctx, 'conn t/j')).toThrow(
      /cannot decrypt the secrets of conn t\/j/,
    );
    // Swapping the key id to another key of the ring is caught too.
    expect(() => ring.open(split(old).join({ kid: keyId(KEY_B) }), ctx, 'x')).toThrow(SecretDecryptionError);
  });

  it('refuses a key of the wrong size, current or previous', () => {
    expect(() => createSecretBox(Buffer.alloc(16))).toThrow(/32 bytes/);
    expect(() => createSecretBox({ current: KEY_A, previous: [Buffer.alloc(31)] })).toThrow(/32 bytes/);
  });
});
