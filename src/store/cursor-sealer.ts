import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { CursorError } from './errors.ts';

/** What a page cursor was issued for: opening it anywhere else fails. */
export type CursorScope = {
  readonly kind: 'list' | 'search';
  readonly tenant: string;
  readonly type: string;
};

/**
 * Seals keyset cursors. A cursor holds the last row's sort values (a family name, a birth
 * date...) and travels in URLs and access logs, so it is encrypted and authenticated
 * (AES-256-GCM with a key of its own), bound to its tenant, resource type and kind through the
 * associated data, and padded so its length tells little about the values. A cursor that was
 * altered, cut, or issued for another tenant, type or key is a CursorError.
 */
export type CursorSealer = {
  seal(scope: CursorScope, payload: string): string;
  open(scope: CursorScope, cursor: string): string;
};

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Plaintext is padded with spaces (JSON ignores them) to a multiple of this. */
const PAD_TO = 64;
/** Longer than any cursor the store issues (a few sort values of bounded length). */
const MAX_CURSOR_CHARS = 4096;

/**
 * The cursor key, derived from the data-encryption key with HKDF-SHA256 under its own label,
 * so cursors never share a key with secrets at rest and every instance of one deployment
 * opens the cursors of the others.
 */
export function deriveCursorKey(dataEncryptionKey: Buffer): Buffer {
  return Buffer.from(
    hkdfSync('sha256', dataEncryptionKey, Buffer.alloc(0), 'fhir-gateway cursor key v1', 32),
  );
}

export function createCursorSealer(key: Buffer): CursorSealer {
  if (key.length !== 32) throw new Error('the cursor key must be 32 bytes');
  // Unambiguous: JSON quotes and escapes each part.
  const aad = (scope: CursorScope) =>
    Buffer.from(JSON.stringify([VERSION, scope.kind, scope.tenant, scope.type]));
  return {
    seal(scope, payload) {
      const padded = payload.padEnd(Math.ceil((payload.length + 1) / PAD_TO) * PAD_TO, ' ');
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(scope));
      const ciphertext = Buffer.concat([cipher.update(padded, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
    },
    open(scope, cursor) {
      const invalid = () =>
        new CursorError(
          `invalid ${scope.kind} cursor: altered, truncated, or issued for another tenant, resource type or server key`,
        );
      if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor))
        throw invalid();
      const bytes = Buffer.from(cursor, 'base64url');
      // Canonical form only: a decoder ignores stray trailing characters, a cursor may not have any.
      if (bytes.toString('base64url') !== cursor) throw invalid();
      if (bytes.length <= 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION) throw invalid();
      const iv = bytes.subarray(1, 1 + IV_BYTES);
      const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(scope));
        decipher.setAuthTag(tag);
        const plain = Buffer.concat([
          decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]);
        return plain.toString('utf8').trimEnd();
      } catch {
        throw invalid();
      }
    },
  };
}

/**
 * The sealer a store uses: with StoreOptions.cursorKey, or without one (tests, one-process
 * tools) a random key, so its cursors are valid only in this process.
 */
export function storeCursorSealer(cursorKey: Buffer | undefined): CursorSealer {
  return createCursorSealer(cursorKey ?? randomBytes(32));
}
