import { createHash } from 'node:crypto';
import { canonicalJson } from '../store/canonical-hash.ts';
import { IdempotencyConflictError } from '../store/errors.ts';
import type { Store } from '../store/port.ts';
import { ActionError } from './action-error.ts';
import { type LeaseWait, withLease } from './with-lease.ts';

export type IdempotencyDeps = LeaseWait & {
  readonly store: Pick<Store, 'idempotency' | 'leases'>;
};

/** What the idempotency record holds: the result, or that the first attempt's fate is unknown. */
type Recorded<R> = { readonly kind: 'done'; readonly result: R } | { readonly kind: 'unknown' };

export type OnceWork<R> = {
  /** Performs the mutation. An ActionError marked `ambiguous` means the source may have applied it. */
  run(): Promise<R>;
  /**
   * After an attempt whose outcome is unknown (a timeout after the source may have accepted it, or
   * a crashed process): finds the attempt's effect in the source without writing. undefined: it was
   * not applied, so running again is safe. The request is the same (same key, same hash), so the
   * work can recompute what the attempt sent.
   */
  reconcile(): Promise<R | undefined>;
};

/**
 * Runs a mutation at most once per (tenant, idempotency key). The key's lease serialises requests
 * with the same key (a concurrent retry waits and then answers the first's result); the store's
 * idempotency record keeps the result for later retries, or marks an attempt whose outcome is
 * unknown so the next retry reconciles with the source before it would send anything again. A
 * definite failure frees the key (nothing was written), so a corrected retry may run.
 */
export async function runOnce<R>(
  deps: IdempotencyDeps,
  tenant: string,
  key: string,
  request: unknown,
  work: OnceWork<R>,
): Promise<R> {
  const requestHash = createHash('sha256').update(canonicalJson(request)).digest('hex');
  const name = `mutation/${tenant}/${createHash('sha256').update(key).digest('hex')}`;
  const busy = 'a request with this idempotencyKey is still running; retry later';
  return withLease(deps.store, name, { ...deps, busy }, async () => {
    let begun: Awaited<ReturnType<typeof deps.store.idempotency.begin>>;
    try {
      begun = await deps.store.idempotency.begin(tenant, key, requestHash);
    } catch (error) {
      if (error instanceof IdempotencyConflictError)
        throw new ActionError('CONFLICT', 'this idempotencyKey was used for a different request');
      throw error;
    }
    if (begun.state === 'completed') {
      const recorded = begun.response as Recorded<R>;
      if (recorded.kind === 'done') return recorded.result;
    }
    if (begun.state !== 'started') {
      // Completed with an unknown outcome, or left in progress by a process that died (we hold the lease).
      const found = await work.reconcile();
      if (found !== undefined) {
        await deps.store.idempotency.complete(tenant, key, { kind: 'done', result: found });
        return found;
      }
    }
    try {
      const result = await work.run();
      await deps.store.idempotency.complete(tenant, key, { kind: 'done', result });
      return result;
    } catch (error) {
      if (error instanceof ActionError && error.ambiguous)
        await deps.store.idempotency.complete(tenant, key, { kind: 'unknown' });
      else await deps.store.idempotency.abandon(tenant, key);
      throw error;
    }
  });
}
