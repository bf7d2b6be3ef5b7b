import type { ConnectorDeps } from '../common/connector-deps.ts';
import type { Connector } from '../connector.ts';
import { JANE_CATALOG } from './catalog.ts';
import { JANE_OPERATIONS } from './operations.ts';
import { openJaneSession } from './session.ts';
import { JANE_TRIGGERS } from './triggers.ts';

export function createJaneConnector(deps: ConnectorDeps): Connector {
  return {
    source: 'jane',
    catalog: JANE_CATALOG,
    triggers: JANE_TRIGGERS,
    operations: JANE_OPERATIONS,
    open: async (connection) => openJaneSession(deps, connection),
  };
}
