import type { SimRequest, SimResponse } from '../common/http-server.ts';
import { EpicHttpError } from './epic-outcome.ts';
import { createRecord, updateRecord, type WriteDeps } from './record-writes.ts';
import type { ResourceSearchRules } from './search-parameters.ts';

/** Create/update dispatch by the interactions each type allows (Epic: 405-style refusal otherwise). */
export function createUpdateRoutes(deps: WriteDeps, rules: Record<string, ResourceSearchRules>) {
  const allowed = (type: string, interaction: 'create' | 'update') => {
    const r = rules[type];
    if (!r) throw new EpicHttpError('unknown-route', `${type} is not served by this simulator`);
    if (!r.interactions.includes(interaction))
      throw new EpicHttpError('method-not-allowed', `${type} does not support ${interaction}`);
  };
  return {
    create(type: string, req: SimRequest): SimResponse {
      allowed(type, 'create');
      return createRecord(deps, type, req);
    },
    update(type: string, id: string, req: SimRequest): SimResponse {
      allowed(type, 'update');
      return updateRecord(deps, type, id, req);
    },
  };
}
