import type { RequestCounters } from './counters.ts';
import type { FaultInjector, FaultSettings } from './faults.ts';
import { json, type Router } from './http-server.ts';

/** Admin path prefix every simulator exposes; it is never fault-injected nor counted. */
export const ADMIN_PREFIX = '/_admin';

export type AdminHooks = {
  counters: RequestCounters;
  faults: FaultInjector;
  /** Creates/updates records so created/updated triggers have something to find. */
  tick(count: number): { created: number; updated: number };
  /**
   * Changes records of one resource only (a trigger whose records random ticks rarely reach);
   * undefined when the simulator holds no such records. Simulators without it refuse `resource`.
   */
  tickResource?(
    resource: string,
    count: number,
    change?: 'edit' | 'archive',
  ): { created: number; updated: number } | undefined;
};

/**
 * GET  /_admin/counters        → request counts by route and status
 * POST /_admin/counters/reset
 * GET  /_admin/faults          → current fault settings
 * POST /_admin/faults          → merge a partial FaultSettings
 * POST /_admin/tick?count=N    → create/update N records now
 * POST /_admin/tick?count=N&resource=R → create/update N records of resource R (where supported)
 * POST /_admin/tick?count=N&resource=R&change=archive → archive N records of R (where the source archives)
 */
export function addAdminRoutes(router: Router, hooks: AdminHooks): void {
  router
    .add('GET', `${ADMIN_PREFIX}/counters`, () => json(200, hooks.counters.snapshot()))
    .add('POST', `${ADMIN_PREFIX}/counters/reset`, () => {
      hooks.counters.reset();
      return json(204, undefined);
    })
    .add('GET', `${ADMIN_PREFIX}/faults`, () => json(200, hooks.faults.settings()))
    .add('POST', `${ADMIN_PREFIX}/faults`, (req) => {
      try {
        return json(200, hooks.faults.update((req.body ?? {}) as Partial<FaultSettings>));
      } catch (err) {
        return json(400, { error: (err as Error).message });
      }
    })
    .add('POST', `${ADMIN_PREFIX}/tick`, (req) => {
      const count = Number(req.url.searchParams.get('count') ?? '10');
      if (!Number.isInteger(count) || count < 1 || count > 10_000) {
        return json(400, { error: 'count must be an integer in [1, 10000]' });
      }
      const resource = req.url.searchParams.get('resource');
      if (resource === null) return json(200, hooks.tick(count));
      if (!hooks.tickResource) return json(400, { error: 'this simulator does not tick one resource' });
      const change = req.url.searchParams.get('change') ?? 'edit';
      if (change !== 'edit' && change !== 'archive')
        return json(400, { error: 'change must be edit or archive' });
      const result = hooks.tickResource(resource, count, change);
      return result
        ? json(200, result)
        : json(404, { error: `no records of resource ${resource} to ${change}` });
    });
}
