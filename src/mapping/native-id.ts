import type { Identifier, Resource } from 'fhir/r4';
import { type IdentityScheme, nativeIdentifierSystem } from '../fhir/identity.ts';
import type { ConnectionScope } from '../fhir/references.ts';
import type { NativeIdResolver } from './run-state.ts';

/**
 * The native id of a mapped resource, read from its native-id identifier (docs/identity.md:
 * system `<base>/sid/<source>/<connectionId>/<sourceType>`). Only an identifier of the given
 * connection counts: a resource of another connection has no native id there. Undefined when the
 * resource has none (Binary), none of this connection, or several that disagree. A resource that is
 * one of several from a record (a Jane reading's Observation, a Coverage per slot) carries
 * `<native id>#<qualifier>`: its native id is the record's, the part before `#` (native ids of the
 * three sources hold no `#`), which is what the source's API answers to.
 */
export function nativeIdFromResource(
  scheme: IdentityScheme,
  resource: Resource,
  scope: Pick<ConnectionScope, 'source' | 'connectionId'>,
): string | undefined {
  // Any source type: the reference names the FHIR type, not the native one (Practitioner ← doctors or staff).
  const prefix = nativeIdentifierSystem(scheme, { ...scope, sourceType: '_' }).slice(0, -1);
  const held = (resource as { identifier?: Identifier | Identifier[] }).identifier;
  const identifiers = Array.isArray(held) ? held : held ? [held] : [];
  const values = new Set(
    identifiers
      .filter(
        (identifier) =>
          identifier.system?.startsWith(prefix) && !identifier.system.includes('/', prefix.length),
      )
      .map((identifier) => identifier.value?.split('#')[0])
      .filter((value): value is string => typeof value === 'string' && value !== ''),
  );
  return values.size === 1 ? [...values][0] : undefined;
}

/**
 * A resolver over a set of mapped resources (tests, tools): `Type/id` → the native id of that
 * resource in the connection. The gateway builds its own over the store.
 */
export function nativeIdResolver(
  scheme: IdentityScheme,
  scope: Pick<ConnectionScope, 'source' | 'connectionId'>,
  resources: Iterable<Resource>,
): NativeIdResolver {
  const byReference = new Map<string, string>();
  for (const resource of resources) {
    const nativeId = nativeIdFromResource(scheme, resource, scope);
    if (resource.id !== undefined && nativeId !== undefined) {
      byReference.set(`${resource.resourceType}/${resource.id}`, nativeId);
    }
  }
  return (reference) => byReference.get(reference);
}
