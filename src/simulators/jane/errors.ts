import { json, type SimResponse } from '../common/http-server.ts';
import type { ErrorShape } from './catalog.ts';

/**
 * Jane answers errors in three envelopes depending on the endpoint (see the catalog):
 * `{error}` (401/403/404 of older endpoints), `{errors:[{id,message,path}]}` (400/409/422) and
 * `{object:"error",code,message}` (429, locations). Messages never carry record contents.
 */
export type ErrorDetail = { id?: string; message: string; path?: string };

export function janeError(status: number, shape: ErrorShape, detail: ErrorDetail): SimResponse {
  switch (shape) {
    case 'error':
      return json(status, { error: detail.message });
    case 'object':
      return json(status, { object: 'error', code: detail.id ?? String(status), message: detail.message });
    default:
      return json(status, { errors: [detail] });
  }
}

export const validationError = (details: ErrorDetail[], status = 400): SimResponse =>
  json(status, { errors: details });

export const unauthorized = (message: string): SimResponse =>
  json(401, { error: message }, { 'www-authenticate': `Bearer error="invalid_token"` });

export const forbidden = (scope: string): SimResponse =>
  json(
    403,
    { error: `The access token does not grant the ${scope} scope` },
    { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
  );

export const THROTTLE_MATCH = 'marketing_api/ip/clinic';

export function rateLimited(retryAfterSeconds: number | undefined, match = THROTTLE_MATCH): SimResponse {
  const headers: Record<string, string> = { 'x-throttle-match': match };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  return json(
    429,
    { object: 'error', code: 'rate_limited', message: 'Rate limit exceeded. Retry later.' },
    headers,
  );
}

export const serverError = (): SimResponse =>
  json(500, { errors: [{ id: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' }] });

export const routeNotFound = (): SimResponse => json(404, { error: 'Not Found' });
