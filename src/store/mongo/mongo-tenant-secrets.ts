import type { TenantSecretStore } from '../port.ts';
import type { SecretBox } from '../secret-box.ts';
import { checkSecretName, tenantSecretContext } from '../secret-contexts.ts';
import type { TenantGuard } from '../tenant-guard.ts';
import type { MongoSealedValues } from './mongo-sealed-values.ts';

/**
 * Named secrets of a tenant (not a connection's) on MongoDB, as sealed revisions found by the
 * `{kind, tenant, name}` fields, never by a joined key, so no two tenants' names can meet.
 */
export function createMongoTenantSecrets(
  sealedValues: MongoSealedValues,
  deps: { secretBox: SecretBox; tenantGuard: TenantGuard },
): TenantSecretStore {
  const KIND = 'tenant-secret';
  const what = (tenant: string, name: string) => `tenant secret ${tenant}/${name}`;
  /** Values reach Mongo filters: strings only, never operator objects. */
  const tenantOf = (tenant: unknown): string => {
    if (typeof tenant !== 'string') throw new TypeError('tenant must be a string');
    return tenant;
  };

  return {
    async put(tenant, name, value) {
      checkSecretName(name);
      await deps.tenantGuard.require(tenantOf(tenant));
      await sealedValues.put(
        KIND,
        tenant,
        name,
        deps.secretBox.seal(value, tenantSecretContext(tenant, name)),
      );
    },
    async get(tenant, name) {
      const sealed = await sealedValues.get(KIND, tenantOf(tenant), checkSecretName(name));
      return sealed === undefined
        ? undefined
        : deps.secretBox.open(sealed, tenantSecretContext(tenant, name), what(tenant, name));
    },
    async names(tenant) {
      return sealedValues.names(KIND, tenantOf(tenant));
    },
    async remove(tenant, name) {
      return sealedValues.remove(KIND, tenantOf(tenant), checkSecretName(name));
    },
    async reseal(tenant, name) {
      checkSecretName(name);
      return sealedValues.reseal(
        KIND,
        tenantOf(tenant),
        name,
        tenantSecretContext(tenant, name),
        what(tenant, name),
      );
    },
  };
}
