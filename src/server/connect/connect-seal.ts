import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Sealed, expiring tokens for the connect flow (connect links and OAuth `state`): AES-256-GCM
 * under a key derived from the data-encryption key, the purpose bound as associated data so a
 * link cannot be replayed as a state. Encrypted, not only signed: a pending state carries the
 * client secret and the PKCE verifier through the user's browser, unreadable to anyone else.
 */
export type ConnectSeal = {
  seal(purpose: string, payload: Record<string, unknown>, expiresAt: number): string;
  /** The payload, or a reason (`tampered`, `expired`) — never an exception. */
  open(
    purpose: string,
    token: string,
    now: number,
  ): { payload: Record<string, unknown> } | { problem: string };
};

export function createConnectSeal(dataKey: Buffer): ConnectSeal {
  const key = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'fhir-gateway connect flow v1', 32));
  return {
    seal(purpose, payload, expiresAt) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(purpose));
      const plain = Buffer.from(JSON.stringify({ ...payload, exp: expiresAt }));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(purpose, token, now) {
      let payload: Record<string, unknown>;
      try {
        const raw = Buffer.from(token, 'base64url');
        if (raw.length < 29) return { problem: 'tampered' };
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(raw.subarray(12, 28));
        payload = JSON.parse(
          Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'),
        );
      } catch {
        return { problem: 'tampered' };
      }
      if (typeof payload.exp !== 'number' || payload.exp < now) return { problem: 'expired' };
      return { payload };
    },
  };
}
