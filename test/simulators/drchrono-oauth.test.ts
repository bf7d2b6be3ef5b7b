import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import { looseFetch as fetch } from './drchrono-helpers.ts';

const REDIRECT = 'http://127.0.0.1:4000/connect/drchrono/callback';
let sim: RunningDrChronoSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

/** Runs the consent flow the way a browser would: GET the page, POST the chosen button. */
async function authorize(
  s: RunningDrChronoSimulator,
  decision: 'approve' | 'deny',
  scope = 'patients:read calendar:read',
) {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: s.client.clientId,
    redirect_uri: REDIRECT,
    scope,
    state: 'xyz',
  });
  const page = await fetch(`${s.url}/o/authorize/?${query}`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('id="approve"');
  const hidden = Object.fromEntries(
    [...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  );
  const res = await fetch(`${s.url}/o/authorize/`, form({ ...hidden, decision }));
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

async function exchange(s: RunningDrChronoSimulator, fields: Record<string, string>) {
  return fetch(
    `${s.url}/o/token/`,
    form({ client_id: s.client.clientId, client_secret: s.client.clientSecret, ...fields }),
  );
}

describe('DrChrono OAuth', () => {
  it('issues a code on Approve, exchanges it for a 48 h token, and the token reads the API', async () => {
    sim = await startDrChronoSimulator({ patients: 5 });
    const back = await authorize(sim, 'approve');
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('xyz');
    const code = back.searchParams.get('code') ?? '';
    const res = await exchange(sim, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(res.status).toBe(200);
    const token = await res.json();
    expect(token).toMatchObject({
      token_type: 'Bearer',
      expires_in: 172800,
      scope: 'patients:read calendar:read',
    });
    const api = await fetch(`${sim.url}/api/patients`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(api.status).toBe(200);
    // A code works once.
    expect(
      (await exchange(sim, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).status,
    ).toBe(400);
  });

  it('redirects with access_denied on Deny and rejects unknown clients, foreign redirects and unknown scopes', async () => {
    sim = await startDrChronoSimulator({ patients: 5 });
    const denied = await authorize(sim, 'deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('code')).toBeNull();
    const base = {
      response_type: 'code',
      client_id: sim.client.clientId,
      redirect_uri: REDIRECT,
      state: 's',
    };
    const badClient = await fetch(
      `${sim.url}/o/authorize/?${new URLSearchParams({ ...base, client_id: 'nope' })}`,
    );
    expect(badClient.status).toBe(400);
    const badRedirect = await fetch(
      `${sim.url}/o/authorize/?${new URLSearchParams({ ...base, redirect_uri: 'https://evil.example/cb' })}`,
    );
    expect(badRedirect.status).toBe(400);
    const badScope = await fetch(
      `${sim.url}/o/authorize/?${new URLSearchParams({ ...base, scope: 'root:everything' })}`,
      {
        redirect: 'manual',
      },
    );
    expect(new URL(badScope.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_scope');
  });

  it('binds the consent POST to the page shown: no, forged, replayed or expired tokens get 403 and no redirect', async () => {
    const clock = createManualClock();
    sim = await startDrChronoSimulator({ patients: 5, clock });
    const fields = {
      client_id: sim.client.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'patients:read',
      state: 'xyz',
      decision: 'approve',
    };
    // What a cross-site form could post without ever showing the page: refused.
    for (const extra of [{}, { csrfmiddlewaretoken: 'forged' }] as Record<string, string>[]) {
      const res = await fetch(`${sim.url}/o/authorize/`, form({ ...fields, ...extra }));
      expect(res.status).toBe(403);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('CSRF verification failed');
    }
    const consent = async () => {
      const page = await fetch(
        `${sim?.url}/o/authorize/?${new URLSearchParams({ ...fields, decision: '' })}`,
      );
      return /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    };
    // The request is the server's: a redirect or scope swapped into the POST is ignored.
    const token = await consent();
    const approved = await fetch(
      `${sim.url}/o/authorize/`,
      form({
        csrfmiddlewaretoken: token,
        decision: 'approve',
        redirect_uri: 'https://evil.example/cb',
        scope: 'clinical:write',
      }),
    );
    const back = new URL(approved.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('xyz');
    const granted = await (
      await exchange(sim, {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT,
      })
    ).json();
    expect(granted.scope).toBe('patients:read');
    // Single use, even after a Deny.
    expect(
      (await fetch(`${sim.url}/o/authorize/`, form({ csrfmiddlewaretoken: token, decision: 'approve' })))
        .status,
    ).toBe(403);
    const denied = await consent();
    await fetch(`${sim.url}/o/authorize/`, form({ csrfmiddlewaretoken: denied, decision: 'deny' }));
    expect(
      (await fetch(`${sim.url}/o/authorize/`, form({ csrfmiddlewaretoken: denied, decision: 'approve' })))
        .status,
    ).toBe(403);
    // A page left open past ten minutes no longer approves.
    const stale = await consent();
    clock.advance(10 * 60_000 + 1);
    expect(
      (await fetch(`${sim.url}/o/authorize/`, form({ csrfmiddlewaretoken: stale, decision: 'approve' })))
        .status,
    ).toBe(403);
  });

  it('requires the code’s redirect_uri at the token endpoint: missing or different is invalid_request', async () => {
    sim = await startDrChronoSimulator({ patients: 5 });
    for (const redirect of [undefined, 'http://127.0.0.1:4000/connect/other', `${REDIRECT}/`]) {
      const code = (await authorize(sim, 'approve')).searchParams.get('code') ?? '';
      const res = await exchange(sim, {
        grant_type: 'authorization_code',
        code,
        ...(redirect === undefined ? {} : { redirect_uri: redirect }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'invalid_request',
        error_description: 'Mismatching redirect URI.',
      });
    }
  });

  it('asks for every scope when scope is left out', async () => {
    sim = await startDrChronoSimulator({ patients: 5 });
    const page = await (
      await fetch(
        `${sim.url}/o/authorize/?response_type=code&client_id=${sim.client.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}`,
      )
    ).text();
    for (const scope of ['billing:read', 'clinical:write', 'labs:read', 'tasks:write', 'user:read'])
      expect(page).toContain(scope);
  });

  it('refreshes (rotating the refresh token), and rejects bad secrets, bad grants and used refresh tokens', async () => {
    sim = await startDrChronoSimulator({ patients: 5 });
    const code = (await authorize(sim, 'approve')).searchParams.get('code') ?? '';
    const first = await (
      await exchange(sim, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT })
    ).json();
    const refreshed = await exchange(sim, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    const second = await refreshed.json();
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.expires_in).toBe(172800);
    expect(
      (await exchange(sim, { grant_type: 'refresh_token', refresh_token: first.refresh_token })).status,
    ).toBe(400);
    const wrongSecret = await exchange(sim, {
      grant_type: 'refresh_token',
      refresh_token: second.refresh_token,
      client_secret: 'x',
    });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toEqual({ error: 'invalid_client' });
    expect(await (await exchange(sim, { grant_type: 'password' })).json()).toEqual({
      error: 'unsupported_grant_type',
    });
    expect(
      (await exchange(sim, { grant_type: 'authorization_code', code: 'forged', redirect_uri: REDIRECT }))
        .status,
    ).toBe(400);
  });

  it('answers 401 with DrChrono’s body for missing, expired and revoked tokens', async () => {
    const clock = createManualClock();
    sim = await startDrChronoSimulator({ patients: 5, clock, rateLimits: false });
    const none = await fetch(`${sim.url}/api/patients`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    const { accessToken, refreshToken } = sim.issueAccessToken();
    const auth = { headers: { authorization: `Bearer ${accessToken}` } };
    clock.advance(172_799_000);
    expect((await fetch(`${sim.url}/api/patients`, auth)).status).toBe(200);
    clock.advance(2_000);
    expect((await fetch(`${sim.url}/api/patients`, auth)).status).toBe(401);
    const fresh = sim.issueAccessToken();
    const revoke = await fetch(
      `${sim.url}/o/revoke_token/`,
      form({
        token: fresh.accessToken,
        client_id: sim.client.clientId,
        client_secret: sim.client.clientSecret,
      }),
    );
    expect(revoke.status).toBe(200);
    expect(
      (await fetch(`${sim.url}/api/patients`, { headers: { authorization: `Bearer ${fresh.accessToken}` } }))
        .status,
    ).toBe(401);
    expect(refreshToken).toBeTruthy();
  });

  it('enforces the scopes each operation declares: 403 with DrChrono’s body', async () => {
    sim = await startDrChronoSimulator({ patients: 5, rateLimits: false });
    const readOnly = sim.issueAccessToken('patients:read').accessToken;
    const h = { authorization: `Bearer ${readOnly}`, 'content-type': 'application/json' };
    expect((await fetch(`${sim.url}/api/patients`, { headers: h })).status).toBe(200);
    const denied = await fetch(`${sim.url}/api/appointments?since=2020-01-01`, { headers: h });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ detail: 'You do not have permission to perform this action.' });
    const write = await fetch(`${sim.url}/api/patients`, {
      method: 'POST',
      headers: h,
      body: '{"gender":"Male","doctor":1}',
    });
    expect(write.status).toBe(403);
    // patient_messages accepts either the messages or the patients scopes; users need only a token.
    expect((await fetch(`${sim.url}/api/patient_messages`, { headers: h })).status).toBe(200);
    expect((await fetch(`${sim.url}/api/users`, { headers: h })).status).toBe(200);
    expect((await fetch(`${sim.url}/api/audit_log?since=2020-01-01`, { headers: h })).status).toBe(403);
  });
});
