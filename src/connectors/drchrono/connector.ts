import type { ConnectorDeps } from '../common/connector-deps.ts';
import type { Connector } from '../connector.ts';
import { DRCHRONO_CATALOG } from './catalog.ts';
import { DRCHRONO_OPERATIONS } from './operations.ts';
import { openDrChronoSession } from './session.ts';
import { DRCHRONO_TRIGGERS } from './triggers.ts';
import { drchronoCreateRow } from './write-rows.ts';

export function createDrChronoConnector(deps: ConnectorDeps): Connector {
  return {
    source: 'drchrono',
    catalog: DRCHRONO_CATALOG,
    triggers: DRCHRONO_TRIGGERS,
    operations: DRCHRONO_OPERATIONS,
    createRow: drchronoCreateRow,
    open: async (connection) => openDrChronoSession(deps, connection),
  };
}
