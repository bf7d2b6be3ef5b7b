import { UnknownTenantError } from './errors.ts';

/**
 * Remembers tenants known to exist, so the per-write tenant check costs one lookup per
 * tenant per process (tenants are never deleted).
 */
export function createTenantGuard(exists: (tenant: string) => Promise<boolean> | boolean) {
  const known = new Set<string>();
  return {
    async require(tenant: string): Promise<void> {
      if (known.has(tenant)) return;
      if (typeof tenant !== 'string' || !(await exists(tenant))) throw new UnknownTenantError(String(tenant));
      known.add(tenant);
    },
    remember(tenant: string): void {
      known.add(tenant);
    },
  };
}

export type TenantGuard = ReturnType<typeof createTenantGuard>;
