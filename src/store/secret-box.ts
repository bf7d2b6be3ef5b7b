import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretDecryptionError } from './errors.ts';

/**
 * AES-256-GCM for connection secrets at rest. The stored form is
 * `v1.<iv>.<tag>.<ciphertext>` (base64url); the associated data binds a ciphertext to its
 * row (tenant + connection id) so it cannot be copied onto another connection.
 */
export type SecretBox = {
  seal(plaintext: string, associatedData: string): string;
  open(sealed: string, associatedData: string, what: string): string;
};

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the data-encryption key must be 32 bytes (AES-256)');
  return {
    seal(plaintext, associatedData) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(associatedData));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return ['v1', iv, tag, ciphertext]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    open(sealed, associatedData, what) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== 'v1') throw new SecretDecryptionError(what);
      try {
        const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [
          Buffer,
          Buffer,
          Buffer,
        ];
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(Buffer.from(associatedData));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretDecryptionError(what);
      }
    },
  };
}
