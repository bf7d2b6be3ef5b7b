import { InvalidSecretNameError } from './errors.ts';
import type { SecretContext } from './secret-box.ts';

/** The associated data of a connection's secrets: bound to its tenant and id. */
export const connectionSecretContext = (tenant: string, id: string): SecretContext => [
  'connection',
  tenant,
  id,
];

/** The associated data of a tenant secret: bound to its tenant and name. */
export const tenantSecretContext = (tenant: string, name: string): SecretContext => [
  'tenant-secret',
  tenant,
  name,
];

const SECRET_NAME = /^[A-Za-z0-9._~-]{1,64}$/;

/** Names reach SQL parameters and Mongo filters: plain strings of a small alphabet only. */
export function checkSecretName(name: unknown): string {
  if (typeof name !== 'string' || !SECRET_NAME.test(name)) throw new InvalidSecretNameError(name);
  return name;
}
