/** What an API key may do; every GraphQL operation checks one of these for the key's one tenant. */
export const SCOPES = ['read', 'subscribe', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** The caller of one request, once its API key has been checked. */
export type Caller = {
  readonly tenant: string;
  readonly scopes: ReadonlySet<Scope>;
  /** The API key's public id (never the secret), for logs and audit. */
  readonly keyId: string;
};
