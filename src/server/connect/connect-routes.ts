import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import {
  buildAuthorizeUrl,
  createPkcePair,
  exchangeAuthorizationCode,
} from '../../connectors/common/oauth-code-flow.ts';
import { ensureEpicConnection, saveOAuthConnection } from '../../connectors/connection-setup.ts';
import { DRCHRONO_SCOPES } from '../../connectors/drchrono/catalog.ts';
import { JANE_SCOPES } from '../../connectors/jane/catalog.ts';
import { SOURCE_SYSTEMS, type SourceSystem } from '../../fhir/identity.ts';
import type { Store } from '../../store/port.ts';
import { CONNECT_FIELDS, oauthEndpoints } from './connect-fields.ts';
import { CONNECT_LINK_PURPOSE } from './connect-link.ts';
import { connectedPage, connectFormPage, problemPage } from './connect-pages.ts';
import type { ConnectSeal } from './connect-seal.ts';

const TICKET_PURPOSE = 'connect-form';
const STATE_PURPOSE = 'oauth-state';
/** The form and the consent step each get this long. */
const STEP_TTL_MS = 15 * 60_000;
const CONNECTION_ID = /^[A-Za-z0-9._~-]{1,64}$/;
const MAX_FORM_BYTES = 16 * 1024;

export type ConnectRouteDeps = {
  store: Store;
  log: Logger;
  seal: ConnectSeal;
  fetch?: typeof fetch;
  now?: () => number;
};

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The connect flow: GET /connect?link= (single-use link → form), POST /connect (answers →
 * the source's consent page, with a sealed expiring `state` and PKCE for Jane; Epic is saved
 * at once), GET /oauth/callback (state checked and spent once, code exchanged, tokens stored
 * encrypted, connection shown active). Errors show a page naming the problem, never a secret.
 */
export function createConnectRoutes(deps: ConnectRouteDeps): Record<string, Handler> {
  const now = deps.now ?? Date.now;
  const fetchFn = deps.fetch ?? globalThis.fetch;

  /** Single use, across processes: the store's idempotency table claims the id once. */
  const claimOnce = async (tenant: string, kind: string, id: string): Promise<boolean> => {
    const key = `${kind}:${id}`;
    const claim = await deps.store.idempotency.begin(
      tenant,
      key,
      createHash('sha256').update(key).digest('hex'),
    );
    if (claim.state !== 'started') return false;
    await deps.store.idempotency.complete(tenant, key, { usedAt: new Date(now()).toISOString() });
    return true;
  };

  const openForm: Handler = async (req, res) => {
    const link = new URL(req.url ?? '/', 'http://gateway').searchParams.get('link') ?? '';
    const opened = deps.seal.open(CONNECT_LINK_PURPOSE, link, now());
    if ('problem' in opened)
      return send(
        res,
        400,
        problemPage(
          'Link not valid',
          opened.problem === 'expired'
            ? 'This connect link has expired. Ask your administrator for a new one.'
            : 'This connect link is not valid.',
        ),
      );
    const { tenant, source, jti } = opened.payload as { tenant: string; source: SourceSystem; jti: string };
    if (!SOURCE_SYSTEMS.includes(source))
      return send(res, 400, problemPage('Link not valid', 'This connect link is not valid.'));
    await deps.store.tenants.ensure(tenant);
    if (!(await claimOnce(tenant, 'connect-link', jti)))
      return send(
        res,
        410,
        problemPage(
          'Link already used',
          'This connect link was already used. Ask your administrator for a new one.',
        ),
      );
    const ticket = deps.seal.seal(TICKET_PURPOSE, { tenant, source }, now() + STEP_TTL_MS);
    const suggestedId = `${source}-${randomBytes(3).toString('hex')}`;
    send(res, 200, connectFormPage({ source, tenant, ticket, fields: CONNECT_FIELDS[source], suggestedId }));
  };

  const submitForm: Handler = async (req, res) => {
    const form = await readForm(req);
    if (!form) return send(res, 413, problemPage('Form too large', 'The form was too large.'));
    const opened = deps.seal.open(TICKET_PURPOSE, form.get('ticket') ?? '', now());
    if ('problem' in opened)
      return send(
        res,
        400,
        problemPage('Form expired', 'This form has expired or was altered. Open a new connect link.'),
      );
    const { tenant, source } = opened.payload as { tenant: string; source: SourceSystem };
    const connectionId = form.get('connectionId') ?? '';
    const answers: Record<string, string> = {};
    const missing: string[] = [];
    for (const field of CONNECT_FIELDS[source]) {
      const value = (form.get(field.name) ?? '').trim();
      if (field.required && !value) missing.push(field.label);
      if (field.type === 'url' && value && !/^https?:\/\/[^\s]+$/.test(value)) missing.push(field.label);
      answers[field.name] = value;
    }
    if (!CONNECTION_ID.test(connectionId)) missing.push('Connection name');
    if (missing.length > 0)
      return send(
        res,
        400,
        problemPage('Missing or invalid answers', `Please check: ${missing.join(', ')}.`),
      );

    if (source === 'epic') {
      await ensureEpicConnection(deps.store, {
        tenant,
        id: connectionId,
        fhirBaseUrl: answers.fhirBaseUrl ?? '',
        tokenUrl: answers.tokenUrl ?? '',
        clientId: answers.clientId ?? '',
        groupId: answers.groupId ?? '',
        now: now(),
      });
      deps.log.info({ tenant, connection: connectionId, source }, 'connection created (backend services)');
      return send(
        res,
        200,
        connectedPage({
          source,
          tenant,
          connectionId,
          note: `Register ${gatewayUrlOf(req)}/.well-known/jwks.json as the JWKS URL of client ${answers.clientId}.`,
        }),
      );
    }

    const endpoints = oauthEndpoints(source, answers);
    const redirectUri = `${gatewayUrlOf(req)}/oauth/callback`;
    const pkce = source === 'jane' ? createPkcePair() : undefined;
    const config =
      source === 'jane'
        ? { clinicUrl: answers.clinicUrl, clientId: answers.clientId, ...endpoints }
        : { baseUrl: answers.baseUrl, clientId: answers.clientId, ...endpoints };
    const state = deps.seal.seal(
      STATE_PURPOSE,
      {
        tenant,
        source,
        connectionId,
        config,
        clientSecret: answers.clientSecret,
        redirectUri,
        nonce: randomBytes(16).toString('base64url'),
        ...(pkce ? { verifier: pkce.verifier } : {}),
      },
      now() + STEP_TTL_MS,
    );
    const location = buildAuthorizeUrl({
      authorizeUrl: endpoints.authorizeUrl,
      clientId: answers.clientId ?? '',
      redirectUri,
      scope: (source === 'jane' ? JANE_SCOPES : DRCHRONO_SCOPES).join(' '),
      state,
      ...(pkce ? { codeChallenge: pkce.challenge } : {}),
      ...(source === 'jane' ? { resource: (answers.clinicUrl ?? '').replace(/\/+$/, '') } : {}),
    });
    res.writeHead(303, { location, 'cache-control': 'no-store' });
    res.end();
  };

  const callback: Handler = async (req, res) => {
    const params = new URL(req.url ?? '/', 'http://gateway').searchParams;
    const opened = deps.seal.open(STATE_PURPOSE, params.get('state') ?? '', now());
    if ('problem' in opened)
      return send(
        res,
        400,
        problemPage(
          'Connection not made',
          'The authorization answer is not valid (unknown, altered or expired state). Nothing was stored.',
        ),
      );
    const pending = opened.payload as {
      tenant: string;
      source: 'jane' | 'drchrono';
      connectionId: string;
      config: Record<string, string>;
      clientSecret: string;
      redirectUri: string;
      nonce: string;
      verifier?: string;
    };
    if (!(await claimOnce(pending.tenant, 'oauth-state', pending.nonce)))
      return send(
        res,
        400,
        problemPage('Connection not made', 'This authorization answer was already used. Nothing was stored.'),
      );
    const error = params.get('error');
    if (error) {
      deps.log.info(
        {
          tenant: pending.tenant,
          source: pending.source,
          error: /^[a-z_]{1,40}$/.test(error) ? error : 'other',
        },
        'consent not given',
      );
      return send(
        res,
        403,
        problemPage('Access not granted', 'Access was not granted on the consent page. Nothing was stored.'),
      );
    }
    const code = params.get('code');
    if (!code)
      return send(
        res,
        400,
        problemPage('Connection not made', 'The answer carries no authorization code. Nothing was stored.'),
      );
    let tokens: Awaited<ReturnType<typeof exchangeAuthorizationCode>>;
    try {
      tokens = await exchangeAuthorizationCode(fetchFn, {
        source: pending.source,
        tokenUrl: pending.config.tokenUrl ?? '',
        clientId: pending.config.clientId ?? '',
        clientSecret: pending.clientSecret,
        code,
        redirectUri: pending.redirectUri,
        ...(pending.verifier ? { codeVerifier: pending.verifier } : {}),
      });
    } catch (err) {
      return send(
        res,
        502,
        problemPage('Connection not made', `${(err as Error).message}. Nothing was stored.`),
      );
    }
    await saveOAuthConnection(deps.store, {
      tenant: pending.tenant,
      id: pending.connectionId,
      source: pending.source,
      config: pending.config,
      clientSecret: pending.clientSecret,
      tokens,
      now: now(),
    });
    deps.log.info(
      { tenant: pending.tenant, connection: pending.connectionId, source: pending.source },
      'connection authorized',
    );
    send(
      res,
      200,
      connectedPage({ source: pending.source, tenant: pending.tenant, connectionId: pending.connectionId }),
    );
  };

  return { 'GET /connect': openForm, 'POST /connect': submitForm, 'GET /oauth/callback': callback };
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:",
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

/** The gateway's own URL as the browser reached it (redirect URI and JWKS URL). */
function gatewayUrlOf(req: IncomingMessage): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
