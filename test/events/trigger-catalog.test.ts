import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TRIGGERS } from '../../src/events/trigger-catalog.ts';
import { postQuery, statusCursor, wsClient, wsSubscribe } from '../support/subscription-clients.ts';
import { type SubscriptionGateway, startSubscriptionGateway } from './subscription-harness.ts';

type Trigger = {
  id: string;
  source: string;
  seedName: string;
  resourceType: string;
  kinds: string[];
  subscriptionField: string;
  filter: { triggers: string[] };
  worstCaseDelaySeconds: number | null;
  connections: Array<{ connection: string; cadence: string; worstCaseDelaySeconds: number | null }>;
};

const TRIGGERS = `{ triggers { id source seedName resourceType alsoOn kinds subscriptionField filter { triggers }
  worstCaseDelaySeconds connections { connection cadence worstCaseDelaySeconds } } }`;

let gw: SubscriptionGateway;
let key: string;
let catalog: Trigger[];
beforeAll(async () => {
  gw = await startSubscriptionGateway({ feed: { pollMs: 250 } });
  key = await gw.keyFor('clinic-t', ['read', 'subscribe']);
  await gw.store.connections.put(
    { tenant: 'clinic-t', id: 'jane-fast', source: 'jane', config: { cadence: '*/10 * * * * *' } },
    { t: 'x' },
  );
  await gw.store.connections.put(
    { tenant: 'clinic-t', id: 'jane-default', source: 'jane', config: {} },
    { t: 'x' },
  );
  const res = await postQuery(gw.url, key, TRIGGERS);
  expect(res.errors).toBeUndefined();
  catalog = (res.data?.triggers ?? []) as Trigger[];
});
afterAll(() => gw?.close());

describe('the trigger catalog', () => {
  it('lists all 45 seed triggers: 12 Jane, 23 DrChrono, 10 Epic, with seed names and resource types', () => {
    expect(catalog).toHaveLength(45);
    const count = (source: string) => catalog.filter((t) => t.source === source).length;
    expect([count('jane'), count('drchrono'), count('epic')]).toEqual([12, 23, 10]);
    expect(catalog.find((t) => t.id === 'jane.patient.created')).toMatchObject({
      seedName: 'New Patient Created',
      resourceType: 'Patient',
      kinds: ['created'],
      subscriptionField: 'janePatientCreated',
      filter: { triggers: ['jane.patient.created'] },
    });
    expect(catalog.find((t) => t.id === 'drchrono.task_note.new_or_updated')).toMatchObject({
      seedName: 'New or Updated Task Notes',
      kinds: ['created', 'updated'],
      subscriptionField: 'drchronoTaskNoteNewOrUpdated',
    });
    expect(new Set(catalog.map((t) => t.subscriptionField)).size).toBe(45);
    // As the connectors declare it (the trigger tagger fires on these types too).
    for (const t of catalog)
      expect((t as Trigger & { alsoOn: string[] }).alsoOn).toEqual([
        ...(ALL_TRIGGERS.find((d) => d.id === t.id)?.alsoOn ?? []),
      ]);
  });

  it("states the worst-case delay at each connection's cadence (plus the tailer's poll)", () => {
    const jane = catalog.find((t) => t.id === 'jane.appointment.updated');
    expect(jane?.connections).toEqual([
      { connection: 'jane-default', cadence: '*/30 * * * * *', worstCaseDelaySeconds: 30.25 },
      { connection: 'jane-fast', cadence: '*/10 * * * * *', worstCaseDelaySeconds: 10.25 },
    ]);
    expect(jane?.worstCaseDelaySeconds).toBe(30.25);
    // No DrChrono or Epic connection: the source default cadence.
    expect(catalog.find((t) => t.source === 'drchrono')?.worstCaseDelaySeconds).toBe(300.25);
    expect(catalog.find((t) => t.source === 'epic')?.worstCaseDelaySeconds).toBe(60.25);
  });

  it('makes every trigger subscribable from the catalog: each typed field gets exactly its own events', async () => {
    const after = await statusCursor(gw.url, key);
    const client = wsClient(gw.url, key);
    const subs = catalog.map((t) =>
      wsSubscribe(
        client,
        `subscription ($after: String) { ${t.subscriptionField}(after: $after) { ... on ChangeEvent { id triggers } } }`,
        { after },
      ),
    );
    // One change per trigger, tagged as the sync's trigger tagger would tag it.
    for (const [i, trigger] of ALL_TRIGGERS.entries())
      await gw.store.resources.put('clinic-t', { resourceType: 'Basic', id: `t${i}` } as Resource, {
        triggers: () => [trigger.id],
      });
    await Promise.all(subs.map((s) => s.waitFor(0)));
    // A change for none of them, then one more for the first: nobody gets a stray event.
    await gw.store.resources.put('clinic-t', { resourceType: 'Basic', id: 'none' } as Resource);
    await gw.store.resources.put('clinic-t', { resourceType: 'Basic', id: 'again' } as Resource, {
      triggers: () => [ALL_TRIGGERS[0]?.id ?? ''],
    });
    await subs[0]?.waitFor(1);
    for (const s of subs) s.close();
    await client.dispose();
    catalog.forEach((trigger, i) => {
      const got = subs[i]?.results.map((r) => r.data?.[trigger.subscriptionField]);
      const expected = [
        { id: `t${ALL_TRIGGERS.findIndex((t) => t.id === trigger.id)}`, triggers: [trigger.id] },
      ];
      if (i === 0) expected.push({ id: 'again', triggers: [trigger.id] });
      expect(got).toEqual(expected);
    });
  });
});
