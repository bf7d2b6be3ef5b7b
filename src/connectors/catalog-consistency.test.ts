import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/create-logger.ts';
import type { Store } from '../store/port.ts';
import { DRCHRONO_CATALOG } from './drchrono/catalog.ts';
import { DRCHRONO_TRIGGERS } from './drchrono/triggers.ts';
import { EPIC_CATALOG } from './epic/catalog.ts';
import { EPIC_TRIGGERS } from './epic/triggers.ts';
import { JANE_CATALOG } from './jane/catalog.ts';
import { JANE_TRIGGERS } from './jane/triggers.ts';
import { createConnectors } from './registry.ts';

const sources = [
  { source: 'jane', catalog: JANE_CATALOG, triggers: JANE_TRIGGERS, seedCount: 12 },
  { source: 'drchrono', catalog: DRCHRONO_CATALOG, triggers: DRCHRONO_TRIGGERS, seedCount: 23 },
  { source: 'epic', catalog: EPIC_CATALOG, triggers: EPIC_TRIGGERS, seedCount: 10 },
] as const;

describe('catalogs and the trigger table', () => {
  it('hold all 45 seed triggers: Jane 12, DrChrono 23, Epic 10, with unique ids and seed names', () => {
    const all = sources.flatMap((s) => s.triggers);
    expect(all).toHaveLength(45);
    expect(new Set(all.map((t) => t.id)).size).toBe(45);
    for (const s of sources) {
      expect(s.triggers, s.source).toHaveLength(s.seedCount);
      expect(new Set(s.triggers.map((t) => t.seedName)).size, s.source).toBe(s.seedCount);
      for (const t of s.triggers) expect(t.id.startsWith(`${s.source}.`), t.id).toBe(true);
    }
  });

  it('tie every trigger to a polled row that lists it and emits its resource type', () => {
    for (const s of sources) {
      const rows = new Map<string, (typeof s.catalog)[number]>(s.catalog.map((r) => [r.key, r]));
      expect(rows.size, `${s.source} row keys are unique`).toBe(s.catalog.length);
      for (const t of s.triggers) {
        const row = rows.get(t.row);
        expect(row, t.id).toBeDefined();
        expect(row?.polledBy, `${t.id} must fire on a polled row`).toBeUndefined();
        expect(row?.triggers, t.id).toContain(t.id);
        expect(row?.fhirTypes, t.id).toContain(t.resourceType);
        for (const type of t.alsoOn ?? []) expect(row?.fhirTypes, t.id).toContain(type);
        expect(t.kinds.length, t.id).toBeGreaterThan(0);
      }
      const listed = s.catalog.flatMap((r) => r.triggers);
      expect(new Set(listed)).toEqual(new Set(s.triggers.map((t) => t.id)));
    }
  });

  it('name existing rows in dependsOn and polledBy, with no dependency cycle', () => {
    for (const s of sources) {
      const keys = new Set(s.catalog.map((r) => r.key));
      for (const r of s.catalog) {
        for (const d of r.dependsOn ?? []) expect(keys.has(d), `${r.key} → ${d}`).toBe(true);
        if (r.polledBy && r.polledBy !== 'none') expect(keys.has(r.polledBy), r.key).toBe(true);
      }
      const visiting = new Set<string>();
      const done = new Set<string>();
      const visit = (key: string) => {
        if (done.has(key)) return;
        expect(visiting.has(key), `cycle through ${key}`).toBe(false);
        visiting.add(key);
        for (const d of s.catalog.find((r) => r.key === key)?.dependsOn ?? []) visit(d);
        visiting.delete(key);
        done.add(key);
      };
      for (const r of s.catalog) visit(r.key);
    }
  });

  it('are what the registry serves', () => {
    const connectors = createConnectors({ store: {} as Store, log: createLogger({ level: 'silent' }) });
    for (const s of sources) {
      expect(connectors[s.source].catalog).toBe(s.catalog);
      expect(connectors[s.source].triggers).toBe(s.triggers);
    }
  });
});
