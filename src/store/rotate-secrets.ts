import { SecretDecryptionError } from './errors.ts';
import type { ResealOutcome, Store } from './port.ts';

export type RotationReport = {
  resealed: number;
  current: number;
  /** Entries no key of the ring opens: ids only, never values. */
  failed: { tenant: string; kind: 'connection' | 'tenant-secret'; id: string }[];
};

/**
 * Re-seals every connection secret and tenant secret of every tenant under the current
 * data-encryption key. Each entry is its own compare-and-set, so the run is idempotent and
 * safe to interrupt: a rerun skips what is already current and finishes the rest. An entry
 * no key opens is reported and the run goes on.
 */
export async function rotateSecrets(
  store: Pick<Store, 'tenants' | 'connections' | 'tenantSecrets'>,
  onProgress: (event: {
    tenant: string;
    kind: string;
    id: string;
    outcome: ResealOutcome | 'failed';
  }) => void = () => {},
): Promise<RotationReport> {
  const report: RotationReport = { resealed: 0, current: 0, failed: [] };
  const step = async (
    tenant: string,
    kind: 'connection' | 'tenant-secret',
    id: string,
    run: () => Promise<ResealOutcome>,
  ) => {
    try {
      const outcome = await run();
      if (outcome === 'resealed') report.resealed++;
      if (outcome === 'current') report.current++;
      onProgress({ tenant, kind, id, outcome });
    } catch (err) {
      if (!(err instanceof SecretDecryptionError)) throw err;
      report.failed.push({ tenant, kind, id });
      onProgress({ tenant, kind, id, outcome: 'failed' });
    }
  };
  for (const { id: tenant } of await store.tenants.list()) {
    for (const connection of await store.connections.list(tenant)) {
      await step(tenant, 'connection', connection.id, () =>
        store.connections.resealSecrets(tenant, connection.id),
      );
    }
    for (const name of await store.tenantSecrets.names(tenant)) {
      await step(tenant, 'tenant-secret', name, () => store.tenantSecrets.reseal(tenant, name));
    }
  }
  return report;
}
