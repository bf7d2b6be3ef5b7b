import type { CatalogRow, Connector, NamedOperation } from '../connectors/connector.ts';
import type { SourceSystem } from '../fhir/identity.ts';
import type { MappingSet } from '../mapping/mapping-set.ts';

/** What the spec reads of a connector: its catalog and named operations. */
export type CatalogSource = Pick<Connector, 'source' | 'catalog' | 'operations'>;

export type WriteKind = 'create' | 'update' | 'patch' | 'delete';

/** One catalog row that can write one FHIR type: what the per-type mutations are built from. */
export type WriteTarget = {
  readonly source: SourceSystem;
  readonly row: CatalogRow;
  readonly type: string;
  readonly kinds: ReadonlySet<WriteKind>;
};

/** What the schema needs to know: which per-type mutations exist, and the named operations. */
export type MutationSpec = {
  /** FHIR type → the write kinds some source offers for it (`upsert` exists where create and update do). */
  readonly types: ReadonlyMap<string, ReadonlySet<WriteKind>>;
  readonly operations: readonly NamedOperation[];
};

/**
 * The rows that can write each FHIR type: the row offers the operation and the mapping has a
 * reverse template for that type (data decides, not code). A row that offers `patch` serves both
 * XUpdate and XPatch: the gateway computes the changed fields and sends a partial update.
 */
export function findWriteTargets(connectors: readonly CatalogSource[], mappings: MappingSet): WriteTarget[] {
  const targets: WriteTarget[] = [];
  for (const connector of connectors) {
    for (const row of connector.catalog) {
      const kinds = new Set<WriteKind>();
      if (row.operations.includes('create')) kinds.add('create');
      if (row.operations.includes('update') || row.operations.includes('patch')) {
        kinds.add('update');
        kinds.add('patch');
      }
      if (row.operations.includes('delete')) kinds.add('delete');
      if (kinds.size === 0) continue;
      const reversible = new Set(
        mappings
          .mappingsFor(connector.source, row.entity)
          .filter((m) => m.hasReverse)
          .map((m) => m.target),
      );
      for (const type of row.fhirTypes) {
        // A delete needs no reverse template: the native id comes from the stored resource.
        const usable = new Set([...kinds].filter((kind) => kind === 'delete' || reversible.has(type)));
        if (usable.size > 0) targets.push({ source: connector.source, row, type, kinds: usable });
      }
    }
  }
  return targets;
}

export function mutationSpec(connectors: readonly CatalogSource[], mappings: MappingSet): MutationSpec {
  const types = new Map<string, Set<WriteKind>>();
  for (const target of findWriteTargets(connectors, mappings)) {
    const kinds = types.get(target.type) ?? new Set<WriteKind>();
    for (const kind of target.kinds) kinds.add(kind);
    types.set(target.type, kinds);
  }
  return { types, operations: connectors.flatMap((c) => c.operations ?? []) };
}
