import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { mintConnectLink } from '../../src/server/connect/connect-link.ts';
import { createConnectSeal } from '../../src/server/connect/connect-seal.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import { type EpicSimulator, startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Store } from '../../src/store/port.ts';
import { drain, memoryStore, rowOf, silentLog, testConnectors } from '../connectors/helpers.ts';
import { launchChromium } from './browser.ts';

/**
 * The connect flow in headless Chromium: connect link → /connect form → the simulator's consent
 * page → /oauth/callback → connection active; two Jane clinics stay apart; a denied consent, a
 * replayed link and a tampered state store nothing.
 */
describe('connect flow in Chromium', () => {
  const key = Buffer.alloc(32, 3);
  const seal = createConnectSeal(key);
  let browser: Browser;
  let jane: RunningJaneSimulator;
  let drchrono: RunningDrChronoSimulator;
  let epic: EpicSimulator;
  let store: Store;
  let gateway: Server;
  let gatewayUrl: string;

  beforeAll(async () => {
    browser = await launchChromium();
    jane = await startJaneSimulator({
      seed: 7,
      clinics: [
        { slug: 'north', patients: 4 },
        { slug: 'south', patients: 6 },
      ],
    });
    drchrono = await startDrChronoSimulator({ seed: 8, patients: 3 });
    epic = await startEpicSimulator({ seed: 9, patients: 3, bulkPollsBeforeComplete: 0 });
    store = memoryStore();
    gateway = createServer(createApp({ store, log: silentLog, connectSeal: seal }).handle);
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    gateway.closeAllConnections();
    gateway.close();
    await jane.close();
    await drchrono.close();
    await epic.close();
    await store.close();
  });

  const link = (tenant: string, source: 'jane' | 'drchrono' | 'epic') =>
    mintConnectLink(seal, { tenant, source, gatewayUrl, now: Date.now() }).url;

  async function fillJane(page: Page, clinicUrl: string, connectionId: string) {
    await page.fill('#connectionId', connectionId);
    await page.fill('#clinicUrl', clinicUrl);
    await page.fill('#clientId', jane.oauth.clientId);
    await page.fill('#clientSecret', jane.oauth.clientSecret);
    await page.fill('#identityUrl', jane.oauth.issuer);
    await page.click('#connect');
    await page.waitForSelector('#approve');
  }

  it('connects two Jane clinics for one tenant, each with its own tokens and records', async () => {
    const page = await browser.newPage();
    const clinics = jane.clinics;
    for (const [i, clinic] of clinics.entries()) {
      await page.goto(link('acme', 'jane'));
      await fillJane(page, clinic.url, `jane-${clinic.slug}`);
      await page.click('#approve');
      await page.waitForSelector('#status');
      expect(await page.textContent('#status')).toContain('active');
      expect(await page.textContent('#connection')).toBe(`jane-${clinics[i]?.slug}`);
    }
    await page.close();

    const connections = await store.connections.list('acme');
    expect(connections.map((c) => c.id).sort()).toEqual(['jane-north', 'jane-south']);
    for (const c of connections) {
      expect(c.config.state).toBe('active');
      expect(JSON.stringify(c.config)).not.toContain(jane.oauth.clientSecret);
    }
    const [a, b] = [
      await store.connections.secrets('acme', 'jane-north'),
      await store.connections.secrets('acme', 'jane-south'),
    ];
    expect(a.refreshToken).not.toBe(b.refreshToken);

    const connectors = testConnectors(store);
    const row = rowOf(connectors.jane.catalog, 'patients');
    const counts: number[] = [];
    const seen = new Set<string>();
    for (const c of connections.sort((x, y) => x.id.localeCompare(y.id))) {
      const records = (await drain(await connectors.jane.open(c), row)).records as { id: string }[];
      counts.push(records.length);
      for (const r of records) seen.add(r.id);
    }
    expect(counts).toEqual([4, 6]);
    expect(seen.size).toBe(10);
  });

  it('a replayed link is refused, and stores nothing new', async () => {
    const url = link('replay', 'jane');
    const page = await browser.newPage();
    const first = await page.goto(url);
    expect(first?.status()).toBe(200);
    const second = await page.goto(url);
    expect(second?.status()).toBe(410);
    expect(await page.textContent('#status')).toContain('already used');
    await page.close();
    expect(await store.connections.list('replay')).toEqual([]);
  });

  it('a denied consent (DrChrono) comes back with nothing stored', async () => {
    const page = await browser.newPage();
    await page.goto(link('deny', 'drchrono'));
    await page.fill('#connectionId', 'drc');
    await page.fill('#baseUrl', drchrono.url);
    await page.fill('#clientId', drchrono.client.clientId);
    await page.fill('#clientSecret', drchrono.client.clientSecret);
    await page.click('#connect');
    await page.waitForSelector('#deny');
    await page.click('#deny');
    await page.waitForSelector('#status');
    expect(await page.textContent('#status')).toContain('not granted');
    await page.close();
    expect(await store.connections.list('deny')).toEqual([]);
  });

  it('a tampered state is refused; the genuine one then still connects (DrChrono)', async () => {
    const page = await browser.newPage();
    await page.goto(link('tamper', 'drchrono'));
    await page.fill('#connectionId', 'drc');
    await page.fill('#baseUrl', drchrono.url);
    await page.fill('#clientId', drchrono.client.clientId);
    await page.fill('#clientSecret', drchrono.client.clientSecret);
    await page.click('#connect');
    await page.waitForSelector('#approve');
    const state = new URL(page.url()).searchParams.get('state') ?? '';
    const flipped = `${state.slice(0, 10)}${state[10] === 'A' ? 'B' : 'A'}${state.slice(11)}`;
    const forged = await browser.newPage();
    const answer = await forged.goto(
      `${gatewayUrl}/oauth/callback?code=forged&state=${encodeURIComponent(flipped)}`,
    );
    expect(answer?.status()).toBe(400);
    expect(await forged.textContent('#status')).toContain('not valid');
    await forged.close();
    expect(await store.connections.list('tamper')).toEqual([]);

    await page.click('#approve');
    await page.waitForSelector('#status');
    expect(await page.textContent('#status')).toContain('active');
    await page.close();
    const [connection] = await store.connections.list('tamper');
    if (!connection) throw new Error('no connection stored');
    expect(connection.source).toBe('drchrono');
    const connectors = testConnectors(store);
    const session = await connectors.drchrono.open(connection);
    const records = (await drain(session, rowOf(connectors.drchrono.catalog, 'patients'))).records;
    expect(records).toHaveLength(3);
  });

  it('Epic (backend services): no consent page; a key pair is made and published for the registered client', async () => {
    const page = await browser.newPage();
    await page.goto(link('hosp', 'epic'));
    await page.fill('#connectionId', 'epic-main');
    await page.fill('#fhirBaseUrl', epic.fhirBaseUrl);
    await page.fill('#tokenUrl', epic.tokenUrl);
    await page.fill('#clientId', 'gw-browser');
    await page.fill('#groupId', epic.groupId);
    await page.click('#connect');
    await page.waitForSelector('#status');
    expect(await page.textContent('#status')).toContain('active');
    expect(await page.textContent('body')).toContain('/.well-known/jwks.json');
    await page.close();

    epic.registerClient({ clientId: 'gw-browser', jwksUrl: `${gatewayUrl}/.well-known/jwks.json` });
    const [connection] = await store.connections.list('hosp');
    if (!connection) throw new Error('no connection stored');
    const connectors = testConnectors(store);
    const records = (
      await drain(await connectors.epic.open(connection), rowOf(connectors.epic.catalog, 'Patient'))
    ).records;
    expect(records).toHaveLength(3);
  });
});
