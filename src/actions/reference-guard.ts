import type { Resource } from 'fhir/r4';
import type { IdentityScheme } from '../fhir/identity.ts';
import { referenceTarget } from '../fhir/references.ts';
import { nativeIdFromResource } from '../mapping/native-id.ts';
import type { NativeIdResolver } from '../mapping/run-state.ts';
import type { Connection, Store } from '../store/port.ts';
import { ActionError } from './action-error.ts';
import { isObject } from './merge-patch.ts';

export type ReferenceGuardDeps = {
  readonly store: Pick<Store, 'resources'>;
  readonly scheme: IdentityScheme;
};

/**
 * Checks every Reference in a mutation's input before anything is sent: each must name
 * (`Type/<gateway id>`) a current resource of the caller's tenant that came through the same
 * connection, so a write can never point a source record at another tenant's or another
 * connection's data. Answers the `nativeId()` resolver the reverse mapping uses. A reference the
 * tenant does not hold and one of another connection get the same error, so nothing about other
 * tenants is revealed.
 */
export async function guardReferences(
  deps: ReferenceGuardDeps,
  connection: Connection,
  resource: Resource,
): Promise<NativeIdResolver> {
  const nativeIds = new Map<string, string>();
  for (const { reference, path } of referencesIn(resource, resource.resourceType)) {
    if (reference.startsWith('#') || nativeIds.has(reference)) continue;
    const refused = () =>
      new ActionError(
        'FOREIGN_REFERENCE',
        `${path}: the reference must name a resource of connection ${connection.id} in this tenant (Type/<gateway id>)`,
        { issues: [issue(path, connection.id)] },
      );
    const target = referenceTarget(reference);
    if (!target || reference.includes(':')) throw refused();
    const stored = await deps.store.resources.read(connection.tenant, target.resourceType, target.id);
    if (!stored || stored.deleted || stored.connection !== connection.id) throw refused();
    const nativeId = nativeIdFromResource(deps.scheme, stored.resource, {
      source: connection.source,
      connectionId: connection.id,
    });
    if (nativeId === undefined) throw refused();
    nativeIds.set(reference, nativeId);
  }
  return (reference) => nativeIds.get(reference);
}

function issue(path: string, connection: string) {
  return {
    severity: 'error' as const,
    code: 'business-rule' as const,
    details: { text: `not a resource of connection ${connection} in this tenant` },
    diagnostics: `not a resource of connection ${connection} in this tenant`,
    expression: [path],
  };
}

/** Every Reference (an object with a string `reference`) with its FHIRPath-like location. */
export function referencesIn(value: unknown, path: string): Array<{ reference: string; path: string }> {
  if (Array.isArray(value)) return value.flatMap((item, i) => referencesIn(item, `${path}[${i}]`));
  if (!isObject(value)) return [];
  const found: Array<{ reference: string; path: string }> = [];
  if (typeof value.reference === 'string') found.push({ reference: value.reference, path });
  for (const [key, child] of Object.entries(value)) {
    if (key === 'contained') continue;
    found.push(...referencesIn(child, `${path}.${key}`));
  }
  return found;
}
