import { randomUUID } from 'node:crypto';
import type { Lease, Store } from '../store/port.ts';
import { ActionError } from './action-error.ts';

export type LeaseWait = {
  /** How long the work may hold the lease (a crashed holder's lease frees after this). */
  readonly ttlMs?: number;
  /** How long to wait for another holder before giving up with CONFLICT. */
  readonly waitMs?: number;
};

/**
 * Runs `fn` holding the store's lease `name`, waiting (with backoff) while another request holds
 * it: the store's leases work across processes on both adapters, so this serialises requests on
 * one identity wherever they run.
 */
export async function withLease<T>(
  store: Pick<Store, 'leases'>,
  name: string,
  wait: LeaseWait & { readonly busy: string },
  fn: () => Promise<T>,
): Promise<T> {
  const holder = randomUUID();
  const deadline = Date.now() + (wait.waitMs ?? 60_000);
  let pause = 10;
  let lease: Lease | undefined = await store.leases.acquire(name, holder, wait.ttlMs ?? 120_000);
  while (!lease) {
    if (Date.now() > deadline) throw new ActionError('CONFLICT', wait.busy);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 200);
    lease = await store.leases.acquire(name, holder, wait.ttlMs ?? 120_000);
  }
  try {
    return await fn();
  } finally {
    await store.leases.release(lease);
  }
}
