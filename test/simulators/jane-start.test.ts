import { describe, expect, it } from 'vitest';
import { SeedRecordsError, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import { api, connect } from './jane-helpers.ts';

describe('startJaneSimulator options', () => {
  it('rejects bad clinics, clients and seed files with clear errors', async () => {
    await expect(startJaneSimulator({ clinics: [{ slug: 'Main Street' }] })).rejects.toThrow(
      /clinic slug "Main Street"/,
    );
    await expect(startJaneSimulator({ clinics: [{ slug: 'api' }] })).rejects.toThrow(/clinic slug "api"/);
    await expect(startJaneSimulator({ clinics: [{ slug: 'a' }, { slug: 'a' }] })).rejects.toThrow(
      /used twice/,
    );
    await expect(startJaneSimulator({ patients: -3 })).rejects.toThrow(/non-negative integer/);
    await expect(
      startJaneSimulator({
        clients: [{ clientId: 'x', clientSecret: '', redirectUris: ['http://a'], name: 'X' }],
      }),
    ).rejects.toThrow(/clientSecret/);
    await expect(
      startJaneSimulator({
        clients: [
          { clientId: 'x', clientSecret: 'y', redirectUris: ['http://a'], name: 'X', scopes: ['root'] },
        ],
      }),
    ).rejects.toThrow(/unknown scopes/);
    await expect(
      startJaneSimulator({ seedRecords: { patients: [{ sex: 'robot' }] } }),
    ).rejects.toBeInstanceOf(SeedRecordsError);
  });

  it('serves a seed file and a custom OAuth client', async () => {
    const sim = await startJaneSimulator({
      seedRecords: {
        patients: [{ id: '11111111-1111-7111-8111-111111111111', first_name: 'Ada', last_name: 'Lovelace' }],
      },
      clients: [
        {
          clientId: 'partner',
          clientSecret: 's3cret',
          redirectUris: ['http://127.0.0.1:9/callback'],
          name: 'Partner App',
        },
      ],
    });
    try {
      expect(sim.oauth).toMatchObject({
        clientId: 'partner',
        clientSecret: 's3cret',
        accessTokenSeconds: 300,
        refreshTokenSeconds: 1800,
      });
      const { access_token } = await connect(sim);
      const body = (await (await api(sim.rootClinic.apiBaseUrl, access_token, '/patients')).json()) as {
        items: { first_name: string }[];
      };
      expect(body.items.map((p) => p.first_name)).toEqual(['Ada']);
    } finally {
      await sim.close();
    }
  });

  it('ticks on a timer when tickEveryMs is set, and stops on close', async () => {
    const sim = await startJaneSimulator({ patients: 2, tickEveryMs: 10 });
    const store = sim.clinic().store;
    const before = store.count('patients') + store.count('appointments');
    const deadline = Date.now() + 2000;
    while (store.count('patients') + store.count('appointments') === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await sim.close();
    const after = store.count('patients') + store.count('appointments');
    expect(after).toBeGreaterThan(before);
    await new Promise((r) => setTimeout(r, 40));
    expect(store.count('patients') + store.count('appointments')).toBe(after);
  });
});
