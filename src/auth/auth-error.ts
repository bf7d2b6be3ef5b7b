/** Why a request was not authenticated or not allowed; messages never echo the presented key. */
export type AuthFailure = 'missing' | 'malformed' | 'invalid' | 'revoked' | 'forbidden';

export class AuthError extends Error {
  readonly failure: AuthFailure;
  /** 401 for who-are-you problems, 403 for a known key lacking a scope. */
  readonly status: 401 | 403;
  constructor(failure: AuthFailure, message: string) {
    super(message);
    this.name = 'AuthError';
    this.failure = failure;
    this.status = failure === 'forbidden' ? 403 : 401;
  }
}
