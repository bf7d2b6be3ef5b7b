import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from 'fhir/r4';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createApiKeyService } from '../../src/auth/api-keys.ts';
import { DEMO_TENANT, ensureDemoApiKey, loadGraphiQLExamples } from '../../src/demo/demo-api-key.ts';
import { loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import { searchIndexer } from '../../src/fhir/search-indexer.ts';
import { createLogger } from '../../src/log/create-logger.ts';
import { createGatewayGraphQL } from '../../src/server/gateway-graphql.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { launchChromium } from './browser.ts';

/**
 * A newcomer opens `/graphql` of a demo-mode gateway in Chromium, presses Run, and sees
 * patients: GraphiQL must open with the demo key in its headers and an example query.
 */
describe('demo GraphiQL in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-graphiql-'));
  let browser: Browser;
  let store: Store;
  let server: Server;
  let base: string;
  let token: string;

  beforeAll(async () => {
    const definitions = loadFhirDefinitions();
    store = openSqliteStore(join(dir, 'gateway.db'), {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(Buffer.alloc(32, 9)),
      indexer: searchIndexer(definitions),
    });
    const keys = createApiKeyService({ store });
    token = (await ensureDemoApiKey({ store, keys, dataDir: dir })).token;
    const patient = (id: string, family: string): Patient => ({
      resourceType: 'Patient',
      id,
      name: [{ family, given: ['Demo'] }],
      gender: 'unknown',
    });
    await store.resources.putMany(DEMO_TENANT, [patient('demo-1', 'Newcomer'), patient('demo-2', 'Visitor')]);
    const log = createLogger({ level: 'silent' });
    const graphql = createGatewayGraphQL({
      store,
      definitions,
      keys,
      log,
      demo: { apiKey: token, examples: loadGraphiQLExamples() },
    });
    server = createServer(createApp({ store, log, graphql }).handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the demo key in $DATA_DIR/demo-api-key, readable by its owner only', () => {
    const file = join(dir, 'demo-api-key');
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('opens with the demo key and an example query; pressing Run shows the demo patients', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/graphql`);
      const run = page.locator('.graphiql-execute-button');
      await run.waitFor({ timeout: 60_000 });
      await page.waitForFunction(
        () => (document.body.textContent ?? '').includes('PatientConnection'),
        null,
        {
          timeout: 30_000,
        },
      );
      await run.click();
      await page.waitForFunction(
        () =>
          (document.body.textContent ?? '').includes('Newcomer') &&
          (document.body.textContent ?? '').includes('Visitor'),
        null,
        { timeout: 30_000 },
      );
      // Monaco renders spaces as no-break spaces.
      const text = (await page.evaluate(() => document.body.textContent ?? '')).replaceAll('\u00a0', ' ');
      expect(text).not.toContain('UNAUTHENTICATED');
      expect(text).toMatch(/"count":\s*2/);
      if (process.env.GRAPHIQL_SCREENSHOT) await page.screenshot({ path: process.env.GRAPHIQL_SCREENSHOT });
    } finally {
      await page.close();
    }
  }, 120_000);
});
