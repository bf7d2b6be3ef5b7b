import { describe, expect, it } from 'vitest';
import { SOURCE_CATALOGS } from '../../src/actions/source-catalogs.ts';
import { memoryStore } from '../connectors/helpers.ts';
import { realConnectors } from '../sync/real-sources.ts';

describe('the static catalogs the schema is generated from', () => {
  it('are the live connectors’ catalogs and named operations', async () => {
    const store = memoryStore();
    try {
      const live = realConnectors(store);
      for (const connector of live) {
        const known = SOURCE_CATALOGS.find((c) => c.source === connector.source);
        expect(known?.catalog).toBe(connector.catalog);
        expect(known?.operations ?? []).toEqual(connector.operations ?? []);
      }
      expect(SOURCE_CATALOGS).toHaveLength(live.length);
    } finally {
      await store.close();
    }
  });
});
