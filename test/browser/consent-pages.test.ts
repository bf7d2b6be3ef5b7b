import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkceChallenge } from '../../src/simulators/common/oauth.ts';
import { startDrChronoSimulator } from '../../src/simulators/drchrono/index.ts';
import { startJaneSimulator } from '../../src/simulators/jane/index.ts';
import { launchChromium } from './browser.ts';
import { startCallbackServer } from './callback-server.ts';

/**
 * The authorize endpoints' consent pages, clicked in a real browser: Approve must redirect
 * to the redirect URI with a code that the token endpoint accepts; Deny must come back with
 * access_denied and no code.
 */
describe('consent pages in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('Jane: Approve yields a code that PKCE exchanges for a token that reads the clinic', async () => {
    const sim = await startJaneSimulator({ patients: 3 });
    const callback = await startCallbackServer();
    try {
      const verifier = randomBytes(32).toString('base64url');
      const authorize = new URL(sim.oauth.authorizeUrl);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: sim.oauth.clientId,
        redirect_uri: callback.url,
        state: 'st-1',
        code_challenge: pkceChallenge(verifier),
        code_challenge_method: 'S256',
        resource: sim.rootClinic.url,
      }).toString();
      const page = await browser.newPage();
      await page.goto(authorize.toString());
      await page.click('#approve');
      await page.waitForSelector('#done');
      await page.close();

      const query = callback.calls.at(-1);
      expect(query?.get('state')).toBe('st-1');
      const code = query?.get('code') ?? '';
      expect(code).not.toBe('');
      const token = await fetch(sim.oauth.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: callback.url,
          code_verifier: verifier,
          client_id: sim.oauth.clientId,
          client_secret: sim.oauth.clientSecret,
        }),
      });
      expect(token.status).toBe(200);
      const { access_token } = (await token.json()) as { access_token: string };
      const patients = await fetch(`${sim.rootClinic.apiBaseUrl}/patients`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(patients.status).toBe(200);
    } finally {
      await callback.close();
      await sim.close();
    }
  });

  it('DrChrono: Approve yields a code for a 48 h token; Deny comes back with access_denied', async () => {
    const sim = await startDrChronoSimulator({ patients: 3 });
    const callback = await startCallbackServer();
    try {
      const authorize = (state: string) =>
        `${sim.url}/o/authorize/?${new URLSearchParams({
          response_type: 'code',
          client_id: sim.client.clientId,
          redirect_uri: callback.url,
          scope: 'patients:read',
          state,
        })}`;
      const page = await browser.newPage();
      await page.goto(authorize('approve-me'));
      await page.click('#approve');
      await page.waitForSelector('#done');
      const approved = callback.calls.at(-1);
      expect(approved?.get('state')).toBe('approve-me');
      const token = await fetch(`${sim.url}/o/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: approved?.get('code') ?? '',
          redirect_uri: callback.url,
          client_id: sim.client.clientId,
          client_secret: sim.client.clientSecret,
        }),
      });
      expect(token.status).toBe(200);
      expect(((await token.json()) as { expires_in: number }).expires_in).toBe(172800);

      await page.goto(authorize('deny-me'));
      await page.click('#deny');
      await page.waitForSelector('#done');
      const denied = callback.calls.at(-1);
      expect(denied?.get('error')).toBe('access_denied');
      expect(denied?.get('code')).toBeNull();
      await page.close();
    } finally {
      await callback.close();
      await sim.close();
    }
  });
});
