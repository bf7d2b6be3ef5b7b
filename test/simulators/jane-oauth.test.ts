import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import { pkceChallenge } from '../../src/simulators/common/oauth.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import { api, connect, decide, openConsent, REDIRECT_URI, tokenRequest } from './jane-helpers.ts';

describe('Jane simulator OAuth (Keycloak, authorization code + PKCE)', () => {
  const clock = createManualClock(Date.UTC(2026, 0, 5));
  let sim: RunningJaneSimulator;
  const verifier = randomBytes(32).toString('base64url');
  const base = () => ({
    response_type: 'code',
    client_id: sim.oauth.clientId,
    redirect_uri: REDIRECT_URI,
    state: 's1',
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: 'S256',
    resource: sim.rootClinic.url,
  });
  const redirectParams = (location: string) => Object.fromEntries(new URL(location).searchParams);
  const codeFor = async (params = base()) => {
    const { requestId } = await openConsent(sim, params);
    const { location } = await decide(sim, requestId ?? '', 'approve');
    return redirectParams(location).code ?? '';
  };
  const exchange = (code: string, extra: Record<string, string> = {}) =>
    tokenRequest(sim, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: sim.oauth.clientId,
      client_secret: sim.oauth.clientSecret,
      ...extra,
    });

  beforeAll(async () => {
    sim = await startJaneSimulator({
      patients: 3,
      clock,
      clinics: [{ slug: 'north' }, { slug: 'south', patients: 2 }],
    });
  });
  afterAll(() => sim.close());

  it('shows an HTML consent page and redirects to the app with code and state on Approve', async () => {
    const { res, html, requestId } = await openConsent(sim, {
      ...base(),
      scope: 'patients:read appointments:read',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(html).toContain('id="approve"');
    expect(html).toContain('patients:read');
    const { res: redirect, location } = await decide(sim, requestId ?? '', 'approve');
    expect(redirect.status).toBe(302);
    expect(location.startsWith(REDIRECT_URI)).toBe(true);
    expect(redirectParams(location)).toMatchObject({ state: 's1', iss: sim.oauth.issuer });
    expect(redirectParams(location).code).toBeTruthy();
  });

  it('issues RS256 JWT access tokens for the clinic (300 s) and refresh tokens (1800 s)', async () => {
    const res = await exchange(
      await codeFor({ ...base(), scope: 'patients:read' } as ReturnType<typeof base>),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      refresh_expires_in: 1800,
      scope: 'patients:read',
    });
    const jwt = String(body.access_token);
    expect(decodeProtectedHeader(jwt).alg).toBe('RS256');
    const jwks = (await (await fetch(sim.oauth.jwksUrl)).json()) as Parameters<typeof createLocalJWKSet>[0];
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), { currentDate: new Date(clock()) });
    expect(payload.aud).toBe(sim.rootClinic.url);
    expect(payload.iss).toBe(sim.oauth.issuer);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
    expect(payload.azp).toBe(sim.oauth.clientId);
  });

  it('publishes a discovery document with the Keycloak endpoints', async () => {
    const res = await fetch(`${sim.url}/realms/${sim.oauth.realm}/.well-known/openid-configuration`);
    expect(await res.json()).toMatchObject({
      issuer: sim.oauth.issuer,
      token_endpoint: sim.oauth.tokenUrl,
      code_challenge_methods_supported: ['S256'],
    });
    expect((await fetch(`${sim.url}/realms/nope/.well-known/openid-configuration`)).status).toBe(404);
  });

  it('refuses bad authorize requests the way Keycloak does', async () => {
    const unknownClient = await openConsent(sim, { ...base(), client_id: 'who' });
    expect(unknownClient.res.status).toBe(400);
    expect(unknownClient.html).toContain('Client not found.');
    const badRedirect = await openConsent(sim, { ...base(), redirect_uri: 'https://evil.example.com/cb' });
    expect(badRedirect.res.status).toBe(400);
    expect(badRedirect.html).toContain('Invalid parameter: redirect_uri');

    const cases: [Record<string, string | undefined>, string, RegExp][] = [
      [
        { code_challenge_method: undefined, code_challenge: undefined },
        'invalid_request',
        /code_challenge_method/,
      ],
      [{ code_challenge_method: 'plain' }, 'invalid_request', /code_challenge_method/],
      [{ code_challenge: 'short' }, 'invalid_request', /code_challenge/],
      [{ response_type: 'token' }, 'unsupported_response_type', /response_type/],
      [{ scope: 'patients:read patients:delete' }, 'invalid_scope', /patients:delete/],
      [{ resource: 'https://other-clinic.janeapp.com' }, 'invalid_target', /resource/],
    ];
    for (const [override, error, description] of cases) {
      const { res } = await openConsent(sim, { ...base(), ...override });
      expect(res.status, JSON.stringify(override)).toBe(302);
      const params = redirectParams(res.headers.get('location') ?? '');
      expect(params.error).toBe(error);
      expect(params.error_description).toMatch(description);
      expect(params.state).toBe('s1');
    }
  });

  it('redirects with access_denied when the user clicks Deny', async () => {
    const { requestId } = await openConsent(sim, base());
    const { location } = await decide(sim, requestId ?? '', 'deny');
    expect(redirectParams(location)).toMatchObject({ error: 'access_denied', state: 's1' });
    const replay = await decide(sim, requestId ?? '', 'approve');
    expect(replay.res.status).toBe(400);
    // A consent POST that no consent page issued approves nothing and redirects nowhere.
    const forged = await decide(sim, 'forged-request-id', 'approve');
    expect(forged.res.status).toBe(400);
    expect(forged.location).toBe('');
  });

  it('refuses bad token requests with invalid_client / invalid_grant', async () => {
    const expectError = async (res: Response, status: number, error: string, description?: RegExp) => {
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toBe(error);
      if (description) expect(body.error_description).toMatch(description);
    };
    await expectError(await exchange(await codeFor(), { client_secret: 'wrong' }), 401, 'invalid_client');
    await expectError(
      await exchange(await codeFor(), { code_verifier: randomBytes(32).toString('base64url') }),
      400,
      'invalid_grant',
      /PKCE verification failed/,
    );
    await expectError(
      await exchange(await codeFor(), { code_verifier: '' }),
      400,
      'invalid_grant',
      /code verifier not specified/,
    );
    await expectError(
      await exchange(await codeFor(), { redirect_uri: 'http://127.0.0.1:9/other' }),
      400,
      'invalid_grant',
      /redirect_uri/,
    );
    // redirect_uri is required, not only checked when present.
    await expectError(
      await tokenRequest(sim, {
        grant_type: 'authorization_code',
        code: await codeFor(),
        code_verifier: verifier,
        client_id: sim.oauth.clientId,
        client_secret: sim.oauth.clientSecret,
      }),
      400,
      'invalid_grant',
      /redirect_uri/,
    );
    await expectError(await exchange('made-up-code'), 400, 'invalid_grant', /Code not valid/);
    await expectError(
      await tokenRequest(sim, { client_id: sim.oauth.clientId, client_secret: sim.oauth.clientSecret }),
      400,
      'invalid_request',
    );
    await expectError(
      await tokenRequest(sim, {
        grant_type: 'password',
        client_id: sim.oauth.clientId,
        client_secret: sim.oauth.clientSecret,
      }),
      400,
      'unsupported_grant_type',
    );

    const code = await codeFor();
    expect((await exchange(code)).status).toBe(200);
    await expectError(await exchange(code), 400, 'invalid_grant', /Code not valid/); // single use

    const expiring = await codeFor();
    clock.advance(61_000);
    await expectError(await exchange(expiring), 400, 'invalid_grant', /Code not valid/);
  });

  it('accepts client_secret_basic as well as client_secret_post', async () => {
    const res = await tokenRequest(
      sim,
      {
        grant_type: 'authorization_code',
        code: await codeFor(),
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      },
      [sim.oauth.clientId, sim.oauth.clientSecret],
    );
    expect(res.status).toBe(200);
  });

  it('expires access tokens after 300 s, refreshes with rotation, and ends sessions idle for 1800 s', async () => {
    const tokens = await connect(sim);
    const get = (t: string) => api(sim.rootClinic.apiBaseUrl, t, '/patients');
    expect((await get(tokens.access_token)).status).toBe(200);
    clock.advance(301_000);
    const expired = await get(tokens.access_token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: 'The access token has expired' });

    const refresh = (rt: string) =>
      tokenRequest(sim, {
        grant_type: 'refresh_token',
        refresh_token: rt,
        client_id: sim.oauth.clientId,
        client_secret: sim.oauth.clientSecret,
      });
    const refreshed = (await (await refresh(tokens.refresh_token)).json()) as {
      access_token: string;
      refresh_token: string;
    };
    expect((await get(refreshed.access_token)).status).toBe(200);
    const reused = await refresh(tokens.refresh_token);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });

    clock.advance(1801_000);
    const idle = await refresh(refreshed.refresh_token);
    expect(idle.status).toBe(400);
    expect(await idle.json()).toEqual({ error: 'invalid_grant', error_description: 'Token is not active' });
  });

  it('revokes tokens', async () => {
    const tokens = await connect(sim);
    const revoke = (form: Record<string, string>) =>
      fetch(sim.oauth.revokeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      });
    expect(
      (await revoke({ token: tokens.access_token, client_id: sim.oauth.clientId, client_secret: 'wrong' }))
        .status,
    ).toBe(401);
    expect(
      (await revoke({ client_id: sim.oauth.clientId, client_secret: sim.oauth.clientSecret })).status,
    ).toBe(400);
    expect(
      (
        await revoke({
          token: tokens.access_token,
          client_id: sim.oauth.clientId,
          client_secret: sim.oauth.clientSecret,
        })
      ).status,
    ).toBe(200);
    expect((await api(sim.rootClinic.apiBaseUrl, tokens.access_token, '/patients')).status).toBe(401);
  });

  it('binds tokens to one clinic (audience) and to the granted scopes', async () => {
    const [north, south] = sim.clinics;
    if (!north || !south) throw new Error('two clinics expected');
    const northToken = await connect(sim, { resource: north.url, scope: 'patients:read' });
    expect(decodeJwt(northToken.access_token).aud).toBe(north.url);
    expect((await api(north.apiBaseUrl, northToken.access_token, '/patients')).status).toBe(200);
    const wrongClinic = await api(south.apiBaseUrl, northToken.access_token, '/patients');
    expect(wrongClinic.status).toBe(401);
    expect(await wrongClinic.json()).toEqual({ error: 'The access token was not issued for this clinic' });
    const noScope = await api(north.apiBaseUrl, northToken.access_token, '/appointments');
    expect(noScope.status).toBe(403);
    expect(((await noScope.json()) as { error: string }).error).toMatch(/appointments:read/);
    expect((await api(north.apiBaseUrl, 'not-a-jwt', '/patients')).status).toBe(401);
    expect((await fetch(`${north.apiBaseUrl}/patients`)).status).toBe(401);
  });
});
