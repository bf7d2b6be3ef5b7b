import { describe, expect, it } from 'vitest';
import { SecretDecryptionError } from './errors.ts';
import { createSecretBox } from './secret-box.ts';

describe('secret box (AES-256-GCM)', () => {
  const box = createSecretBox(Buffer.alloc(32, 1));

  it('round-trips, never stores the plaintext, and uses a fresh IV each time', () => {
    const a = box.seal('token-123', 'row-1');
    const b = box.seal('token-123', 'row-1');
    expect(a).not.toContain('token-123');
    expect(a).not.toBe(b);
    expect(box.open(a, 'row-1', 'x')).toBe('token-123');
  });

  it('refuses a wrong key, another row, and tampered data with a typed error', () => {
    const sealed = box.seal('token-123', 'row-1');
    expect(() => createSecretBox(Buffer.alloc(32, 2)).open(sealed, 'row-1', 'conn')).toThrow(
      SecretDecryptionError,
    );
    expect(() => box.open(sealed, 'row-2', 'conn')).toThrow(/cannot decrypt the secrets of conn/);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'row-1', 'conn')).toThrow(SecretDecryptionError);
    expect(() => box.open('plain text', 'row-1', 'conn')).toThrow(SecretDecryptionError);
  });

  it('refuses a key of the wrong size', () => {
    expect(() => createSecretBox(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
