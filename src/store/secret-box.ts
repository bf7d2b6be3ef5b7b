import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SecretDecryptionError } from './errors.ts';

/**
 * The data-encryption keys: `current` seals, every key opens what it sealed. A key leaves the
 * ring only after the rotation command re-sealed everything under the current one.
 */
export type Keyring = { current: Buffer; previous?: readonly Buffer[] };

/**
 * Where a secret belongs, e.g. `['connection', tenant, connectionId]` or
 * `['tenant-secret', tenant, name]`. It is bound to the ciphertext as associated data, so a
 * sealed value copied to another row, tenant or purpose does not open. Parts are
 * length-prefixed: `['t', 'a/b', 'c']` and `['t', 'a', 'b/c']` are different contexts.
 */
export type SecretContext = readonly string[];

/**
 * AES-256-GCM for secrets at rest. Sealed form (base64url parts):
 * `v2.<key id>.<12-byte iv>.<16-byte tag>.<ciphertext>`. The key id names the key that
 * sealed it (a hash of the key, not the key), so a ring of keys can open old values while new
 * ones use the current key.
 */
export type SecretBox = {
  seal(plaintext: string, context: SecretContext): string;
  /** SecretDecryptionError (naming `what`, never the value) when no key of the ring opens it. */
  open(sealed: string, context: SecretContext, what: string): string;
  /** True when `sealed` was sealed with the current key (nothing to rotate). */
  isCurrent(sealed: string): boolean;
  /** The value re-sealed under the current key; undefined when it already is (rotation). */
  reseal(sealed: string, context: SecretContext, what: string): string | undefined;
  /** The key id of the current key (for reports; not secret). */
  readonly currentKeyId: string;
};

const VERSION = 'v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A short, stable, non-secret name for a key: 9 bytes of SHA-256 over a label and the key. */
export function keyId(key: Buffer): string {
  return createHash('sha256')
    .update('fhir-gateway data-encryption key id\0')
    .update(key)
    .digest()
    .subarray(0, 9)
    .toString('base64url');
}

/** Length-prefixed parts (4-byte big-endian byte length, then UTF-8 bytes): unambiguous. */
function associatedData(header: string[], context: SecretContext): Buffer {
  return Buffer.concat(
    [...header, ...context].flatMap((part) => {
      const bytes = Buffer.from(part, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    }),
  );
}

const decodePart = (text: string): Buffer | undefined =>
  /^[A-Za-z0-9_-]*$/.test(text) ? Buffer.from(text, 'base64url') : undefined;

/** Accepts one key (a ring of one) or a keyring. */
export function createSecretBox(keys: Buffer | Keyring): SecretBox {
  const ring: Keyring = Buffer.isBuffer(keys) ? { current: keys } : keys;
  const all = [ring.current, ...(ring.previous ?? [])];
  for (const key of all) {
    if (key.length !== 32) throw new Error('the data-encryption key must be 32 bytes (AES-256)');
  }
  const byId = new Map(all.map((key) => [keyId(key), key] as const));
  const currentKeyId = keyId(ring.current);

  const box: SecretBox = {
    currentKeyId,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', ring.current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedData([VERSION, currentKeyId], context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, currentKeyId, ...[iv, tag, ciphertext].map((p) => p.toString('base64url'))].join('.');
    },
    open(sealed, context, what) {
      const parts = typeof sealed === 'string' ? sealed.split('.') : [];
      const [version, kid, ivText, tagText, ciphertextText] = parts;
      if (parts.length !== 5 || version !== VERSION || kid === undefined)
        throw new SecretDecryptionError(what);
      const key = byId.get(kid);
      const iv = decodePart(ivText ?? '');
      const tag = decodePart(tagText ?? '');
      const ciphertext = decodePart(ciphertextText ?? '');
      // Exact sizes: GCM would accept a truncated tag (forgeable) or an odd IV length.
      if (!key || iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !ciphertext)
        throw new SecretDecryptionError(what);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(associatedData([VERSION, kid], context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretDecryptionError(what);
      }
    },
    isCurrent(sealed) {
      return sealed.startsWith(`${VERSION}.${currentKeyId}.`);
    },
    reseal(sealed, context, what) {
      if (box.isCurrent(sealed)) return undefined;
      return box.seal(box.open(sealed, context, what), context);
    },
  };
  return box;
}
