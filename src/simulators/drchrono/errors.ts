import { json, type SimResponse } from '../common/http-server.ts';

/** DrChrono answers with Django REST Framework's bodies; these are the ones the simulator uses. */
export const drchronoErrors = {
  notAuthenticated: (): SimResponse =>
    json(
      401,
      { detail: 'Authentication credentials were not provided.' },
      { 'www-authenticate': 'Bearer realm="api"' },
    ),
  forbidden: (): SimResponse => json(403, { detail: 'You do not have permission to perform this action.' }),
  notFound: (): SimResponse => json(404, { detail: 'Not found.' }),
  methodNotAllowed: (method: string, allowed: string[]): SimResponse =>
    json(405, { detail: `Method "${method}" not allowed.` }, { allow: allowed.join(', ') }),
  /** The API documents no Retry-After; the wait is only in the text. */
  throttled: (waitSeconds: number): SimResponse =>
    json(429, {
      detail: `Request was throttled. Expected available in ${Math.max(1, Math.ceil(waitSeconds))} seconds.`,
    }),
  serverError: (): SimResponse => json(500, { detail: 'A server error occurred.' }),
  badRequest: (body: unknown): SimResponse => json(400, body),
};
