import type { Connector } from '../connectors/connector.ts';
import { DRCHRONO_CATALOG } from '../connectors/drchrono/catalog.ts';
import { DRCHRONO_OPERATIONS } from '../connectors/drchrono/operations.ts';
import { EPIC_CATALOG } from '../connectors/epic/catalog.ts';
import { EPIC_OPERATIONS } from '../connectors/epic/operations.ts';
import { JANE_CATALOG } from '../connectors/jane/catalog.ts';
import { JANE_OPERATIONS } from '../connectors/jane/operations.ts';

/**
 * The connectors' catalogs and named operations as static data: what the schema's mutations are
 * generated from without opening anything (schema printing, tests). A test checks it equals what
 * the live connectors (registry.ts) carry; add a source's operations table here and there.
 */
export const SOURCE_CATALOGS: ReadonlyArray<Pick<Connector, 'source' | 'catalog' | 'operations'>> = [
  { source: 'jane', catalog: JANE_CATALOG, operations: JANE_OPERATIONS },
  { source: 'drchrono', catalog: DRCHRONO_CATALOG, operations: DRCHRONO_OPERATIONS },
  { source: 'epic', catalog: EPIC_CATALOG, operations: EPIC_OPERATIONS },
];
