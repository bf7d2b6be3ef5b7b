import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import {
  type BackendClientKeys,
  createBackendClientKeys,
  type EpicSimulator,
  serveJwks,
  startEpicSimulator,
} from '../../src/simulators/epic/index.ts';
import type { Loose } from './epic-helpers.ts';

const CLIENT_ID = 'gateway-backend-test';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('Epic simulator SMART backend services OAuth', () => {
  const clock = createManualClock(Date.UTC(2026, 2, 1));
  let sim: EpicSimulator;
  let keys: BackendClientKeys;
  let jwks: { url: string; close(): Promise<void> };
  const nowSeconds = () => Math.floor(clock() / 1000);

  beforeAll(async () => {
    keys = await createBackendClientKeys();
    jwks = await serveJwks(keys.jwks);
    sim = await startEpicSimulator({
      seed: 3,
      patients: 3,
      clock,
      clients: [{ clientId: CLIENT_ID, jwksUrl: jwks.url }],
    });
  });
  afterAll(async () => {
    await sim.close();
    await jwks.close();
  });

  const requestToken = (fields: Record<string, string>) =>
    fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  const withAssertion = async (
    overrides: Parameters<BackendClientKeys['signAssertion']>[0] | undefined = undefined,
  ) =>
    requestToken({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await keys.signAssertion({
        clientId: CLIENT_ID,
        tokenUrl: sim.tokenUrl,
        now: nowSeconds(),
        ...overrides,
      }),
    });
  const expectOAuthError = async (res: Response, error: string, description: RegExp) => {
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe(error);
    expect(body.error_description).toMatch(description);
  };

  it('issues a one-hour bearer token for a valid RS384 assertion verified against the JWKS URL', async () => {
    const res = await withAssertion();
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(body.refresh_token).toBeUndefined();
    expect(String(body.scope)).toContain('system/Patient.read');
    const read = await fetch(`${sim.fhirBaseUrl}/Organization/${sim.organizationId}`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(read.status).toBe(200);
  });

  it('expires access tokens after an hour with a 401 and WWW-Authenticate invalid_token', async () => {
    const token = ((await (await withAssertion()).json()) as { access_token: string }).access_token;
    clock.advance(3601_000);
    const res = await fetch(`${sim.fhirBaseUrl}/Organization/${sim.organizationId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });

  it('answers 401 with a Bearer challenge when no token is sent', async () => {
    const res = await fetch(`${sim.fhirBaseUrl}/Patient?family=Smith`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  });

  it('injects expired-token faults as 401 invalid_token even for a fresh token', async () => {
    const token = await sim.backendClient.fetchAccessToken();
    sim.faults.update({ expiredToken: 1 });
    try {
      const res = await fetch(`${sim.fhirBaseUrl}/Organization/${sim.organizationId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    } finally {
      sim.faults.update({ expiredToken: 0 });
    }
  });

  it('rejects a replayed jti', async () => {
    const assertion = await keys.signAssertion({
      clientId: CLIENT_ID,
      tokenUrl: sim.tokenUrl,
      now: nowSeconds(),
    });
    const form = {
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
    };
    expect((await requestToken(form)).status).toBe(200);
    await expectOAuthError(await requestToken(form), 'invalid_client', /jti has already been used/);
  });

  it('rejects an assertion whose exp is more than five minutes away', async () => {
    await expectOAuthError(
      await withAssertion({ clientId: CLIENT_ID, tokenUrl: sim.tokenUrl, expiresInSeconds: 301 }),
      'invalid_client',
      /no more than 300 seconds/,
    );
  });

  it('rejects an expired assertion', async () => {
    await expectOAuthError(
      await withAssertion({
        clientId: CLIENT_ID,
        tokenUrl: sim.tokenUrl,
        now: nowSeconds() - 600,
        expiresInSeconds: 60,
      }),
      'invalid_client',
      /expired/,
    );
  });

  it('rejects a wrong audience', async () => {
    await expectOAuthError(
      await withAssertion({
        clientId: CLIENT_ID,
        tokenUrl: 'https://fhir.epic.com/interconnect-fhir-oauth/oauth2/token',
      }),
      'invalid_client',
      /aud must be the token endpoint URL/,
    );
  });

  it('rejects sub different from iss', async () => {
    await expectOAuthError(
      await withAssertion({
        clientId: CLIENT_ID,
        tokenUrl: sim.tokenUrl,
        overrides: { sub: 'someone-else' },
      }),
      'invalid_client',
      /sub must equal iss/,
    );
  });

  it('rejects an algorithm other than RS384', async () => {
    await expectOAuthError(
      await withAssertion({ clientId: CLIENT_ID, tokenUrl: sim.tokenUrl, alg: 'RS256' }),
      'invalid_client',
      /RS384/,
    );
  });

  it('rejects a signature made with a key that is not in the JWKS', async () => {
    const stranger = await createBackendClientKeys(keys.kid);
    const res = await requestToken({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await stranger.signAssertion({
        clientId: CLIENT_ID,
        tokenUrl: sim.tokenUrl,
        now: nowSeconds(),
      }),
    });
    await expectOAuthError(res, 'invalid_client', /signature is invalid/);
  });

  it('rejects an unknown client, a missing jti, and a client_id that differs from iss', async () => {
    await expectOAuthError(
      await withAssertion({ clientId: 'nobody', tokenUrl: sim.tokenUrl }),
      'invalid_client',
      /Unknown client/,
    );
    await expectOAuthError(
      await withAssertion({ clientId: CLIENT_ID, tokenUrl: sim.tokenUrl, overrides: { jti: undefined } }),
      'invalid_client',
      /jti/,
    );
    const res = await requestToken({
      grant_type: 'client_credentials',
      client_id: 'other',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await keys.signAssertion({
        clientId: CLIENT_ID,
        tokenUrl: sim.tokenUrl,
        now: nowSeconds(),
      }),
    });
    await expectOAuthError(res, 'invalid_client', /client_id does not match/);
  });

  it('rejects other grants, assertion types, missing assertions and non-JWT assertions', async () => {
    await expectOAuthError(
      await requestToken({ grant_type: 'password' }),
      'unsupported_grant_type',
      /client_credentials/,
    );
    await expectOAuthError(
      await requestToken({
        grant_type: 'client_credentials',
        client_assertion_type: 'x',
        client_assertion: 'y',
      }),
      'invalid_request',
      /client_assertion_type/,
    );
    await expectOAuthError(
      await requestToken({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE }),
      'invalid_request',
      /client_assertion is required/,
    );
    await expectOAuthError(
      await requestToken({
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: 'abc',
      }),
      'invalid_client',
      /not a JWT/,
    );
  });

  it('serves smart-configuration and its own CapabilityStatement without a token', async () => {
    const smart = (await (
      await fetch(`${sim.fhirBaseUrl}/.well-known/smart-configuration`)
    ).json()) as Record<string, unknown>;
    expect(smart).toMatchObject({
      token_endpoint: sim.tokenUrl,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384'],
    });
    const cs = (await (await fetch(`${sim.fhirBaseUrl}/metadata`)).json()) as Loose;
    expect(cs.resourceType).toBe('CapabilityStatement');
    const docRef = cs.rest[0].resource.find((r: Loose) => r.type === 'DocumentReference');
    expect(docRef.searchParam.map((p: Loose) => p.name)).toContain('_lastUpdated');
    const patient = cs.rest[0].resource.find((r: Loose) => r.type === 'Patient');
    expect(patient.searchParam.map((p: Loose) => p.name)).not.toContain('_lastUpdated');
    expect(cs.rest[0].resource.find((r: Loose) => r.type === 'Group').operation[0].name).toBe('export');
  });
});
