import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyDeclaredConnections,
  DeclaredConnectionsError,
  loadDeclaredConnections,
} from '../../src/connectors/declared-connections.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Store } from '../../src/store/port.ts';
import { connectJane, drain, memoryStore, rowOf, testConnectors } from './helpers.ts';

describe('connections declared in CONNECTIONS_FILE (headless deployments)', () => {
  let sim: RunningJaneSimulator;
  let store: Store;
  let scratch: Store;
  const dir = mkdtempSync(join(tmpdir(), 'declared-'));
  const file = (content: unknown) => {
    const path = join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };

  beforeAll(async () => {
    sim = await startJaneSimulator({ seed: 41, patients: 4 });
    store = memoryStore();
    scratch = memoryStore();
  });
  afterAll(async () => {
    await sim.close();
    await store.close();
    await scratch.close();
  });

  it('creates the declared connections, then keeps the rotated tokens across restarts', async () => {
    // A refresh token obtained once elsewhere (here: through the flow into a scratch store).
    await connectJane(scratch, sim, { tenant: 'x', id: 'x' });
    const refreshToken = (await scratch.connections.secrets('x', 'x')).refreshToken ?? '';
    const env = { JANE_SECRET: sim.oauth.clientSecret, JANE_REFRESH: refreshToken };
    const declared = loadDeclaredConnections(
      file({
        connections: [
          {
            tenant: 'clinic-a',
            id: 'jane-main',
            source: 'jane',
            clinicUrl: sim.rootClinic.url,
            tokenUrl: sim.oauth.tokenUrl,
            clientId: sim.oauth.clientId,
            clientSecret: { env: 'JANE_SECRET' },
            refreshToken: { env: 'JANE_REFRESH' },
            timeZone: 'America/Toronto',
            currency: 'CAD',
          },
          {
            tenant: 'clinic-a',
            id: 'epic-main',
            source: 'epic',
            fhirBaseUrl: 'https://epic.example/api/FHIR/R4',
            tokenUrl: 'https://epic.example/oauth2/token',
            clientId: 'gw',
            groupId: 'g1',
          },
        ],
      }),
    );
    expect(await applyDeclaredConnections(store, declared, env, Date.now())).toEqual({
      created: ['clinic-a/jane-main', 'clinic-a/epic-main'],
      kept: [],
    });
    const connection = await store.connections.get('clinic-a', 'jane-main');
    if (!connection) throw new Error('not created');
    expect(JSON.stringify(connection.config)).not.toContain(refreshToken);
    // The clinic's settings the mapping needs are kept in the config.
    expect(connection.config).toMatchObject({ timeZone: 'America/Toronto', currency: 'CAD' });
    const connectors = testConnectors(store);
    const polled = await drain(
      await connectors.jane.open(connection),
      rowOf(connectors.jane.catalog, 'patients'),
    );
    expect(polled.records).toHaveLength(4);
    const rotated = (await store.connections.secrets('clinic-a', 'jane-main')).refreshToken;
    expect(rotated).not.toBe(refreshToken);

    // A restart applies the same file: the rotated token stays (the declared one is spent).
    expect(await applyDeclaredConnections(store, declared, env, Date.now())).toEqual({
      created: [],
      kept: ['clinic-a/jane-main', 'clinic-a/epic-main'],
    });
    expect((await store.connections.secrets('clinic-a', 'jane-main')).refreshToken).toBe(rotated);
    expect((await store.connections.get('clinic-a', 'epic-main'))?.config.keys).toHaveLength(1);
  });

  it('reports every problem of a bad file by path, and unset variables by name, without values', async () => {
    const bad = file({
      connections: [
        {
          tenant: 'bad tenant',
          id: 'x',
          source: 'jane',
          clinicUrl: 'nope',
          clientSecret: 'inline-secret',
          timeZone: 'Mars/Olympus_Mons',
          currency: 'dollars',
        },
      ],
    });
    const error = (() => {
      try {
        loadDeclaredConnections(bad);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(DeclaredConnectionsError);
    expect(error?.message).toMatch(/connections\.0\.tenant/);
    expect(error?.message).toMatch(/connections\.0\.clinicUrl/);
    expect(error?.message).toMatch(/connections\.0\.clientSecret/);
    expect(error?.message).toMatch(/connections\.0\.timeZone/);
    expect(error?.message).toMatch(/connections\.0\.currency/);
    expect(error?.message).not.toContain('inline-secret');

    const ok = loadDeclaredConnections(
      file({
        connections: [
          {
            tenant: 't',
            id: 'd',
            source: 'drchrono',
            baseUrl: 'https://app.drchrono.com',
            clientId: 'c',
            clientSecret: { env: 'DRC_SECRET' },
            refreshToken: { env: 'DRC_REFRESH' },
          },
        ],
      }),
    );
    await expect(applyDeclaredConnections(store, ok, {}, Date.now())).rejects.toThrow(
      /DRC_SECRET, DRC_REFRESH/,
    );
    expect(await store.connections.get('t', 'd')).toBeUndefined();
  });
});
