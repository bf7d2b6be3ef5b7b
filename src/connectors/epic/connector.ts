import type { ConnectorDeps } from '../common/connector-deps.ts';
import type { Connector } from '../connector.ts';
import { EPIC_CATALOG } from './catalog.ts';
import { EPIC_OPERATIONS } from './operations.ts';
import { openEpicSession } from './session.ts';
import { EPIC_TRIGGERS } from './triggers.ts';

export function createEpicConnector(deps: ConnectorDeps): Connector {
  return {
    source: 'epic',
    catalog: EPIC_CATALOG,
    triggers: EPIC_TRIGGERS,
    operations: EPIC_OPERATIONS,
    open: async (connection) => openEpicSession(deps, connection),
  };
}
