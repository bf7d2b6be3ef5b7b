import type { ConnectorDeps } from '../common/connector-deps.ts';
import type { Connector } from '../connector.ts';
import { DRCHRONO_CATALOG } from './catalog.ts';
import { openDrChronoSession } from './session.ts';
import { DRCHRONO_TRIGGERS } from './triggers.ts';
import { drchronoCreateRow } from './write-rows.ts';

export function createDrChronoConnector(deps: ConnectorDeps): Connector {
  return {
    source: 'drchrono',
    catalog: DRCHRONO_CATALOG,
    triggers: DRCHRONO_TRIGGERS,
    // operations.ts is not registered yet: its calls need the patient / consent form named by id.
    createRow: drchronoCreateRow,
    open: async (connection) => openDrChronoSession(deps, connection),
  };
}
