import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { ASSERTION_ALGORITHM } from './backend-auth.ts';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** An RSA key pair for a SMART backend client: its public JWKS and an assertion signer. */
export type BackendClientKeys = {
  kid: string;
  privateKey: PrivateKey;
  jwks: { keys: JWK[] };
  /** Signs a client assertion for `tokenUrl`; overrides let tests break one claim at a time. */
  signAssertion(input: {
    clientId: string;
    tokenUrl: string;
    /** Seconds since the epoch; defaults to now. */
    now?: number;
    expiresInSeconds?: number;
    jti?: string;
    overrides?: Record<string, unknown>;
    alg?: string;
  }): Promise<string>;
};

export async function createBackendClientKeys(kid: string = randomUUID()): Promise<BackendClientKeys> {
  const { privateKey, publicKey } = await generateKeyPair(ASSERTION_ALGORITHM, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ASSERTION_ALGORITHM, use: 'sig' };
  return {
    kid,
    privateKey,
    jwks: { keys: [publicJwk] },
    async signAssertion(input) {
      const now = input.now ?? Math.floor(Date.now() / 1000);
      const claims = {
        iss: input.clientId,
        sub: input.clientId,
        aud: input.tokenUrl,
        jti: input.jti ?? randomUUID(),
        iat: now,
        nbf: now,
        exp: now + (input.expiresInSeconds ?? 240),
        ...input.overrides,
      };
      const alg = input.alg ?? ASSERTION_ALGORITHM;
      // A test asking for another algorithm gets a key for it, so only the alg check fails.
      const key = alg === ASSERTION_ALGORITHM ? privateKey : (await generateKeyPair(alg)).privateKey;
      return new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);
    },
  };
}

/** Serves a JWKS document on 127.0.0.1 (port 0) the way a client's JKU host would. */
export async function serveJwks(jwks: { keys: JWK[] }): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(jwks));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
