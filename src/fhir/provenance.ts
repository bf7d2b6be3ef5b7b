import type { Coding, Identifier, Resource } from 'fhir/r4';
import r4Model from 'fhirpath/fhir-context/r4';
import {
  connectionSource,
  gatewayId,
  type IdentityScheme,
  type NativeRecordKey,
  nativeIdentifierSystem,
  SOURCE_SYSTEM_DISPLAY,
  sourceSystemTagSystem,
} from './identity.ts';

/** Whether the R4 type has an `identifier` element (Binary, for one, has none). */
export function hasIdentifierElement(resourceType: string): boolean {
  return r4Model.path2Type[`${resourceType}.identifier`] === 'Identifier';
}

function isRepeating(path: string): boolean {
  return (r4Model as unknown as { path2Repeating: Record<string, boolean> }).path2Repeating[path] === true;
}

/**
 * Returns a copy of a mapped resource stamped with its gateway identity: the deterministic id, the
 * native-id identifier, meta.source naming the connection and the source-system tag. Idempotent:
 * applying it twice gives the same resource, so re-polls hash identically.
 */
export function applyProvenance<T extends Resource>(
  scheme: IdentityScheme,
  resource: T,
  key: NativeRecordKey,
): T {
  const id = gatewayId(key);
  const tagSystem = sourceSystemTagSystem(scheme);
  const sourceTag: Coding = {
    system: tagSystem,
    code: key.source,
    display: SOURCE_SYSTEM_DISPLAY[key.source],
  };
  const meta = resource.meta ?? {};
  const stamped: Resource = {
    ...resource,
    id,
    meta: {
      ...meta,
      source: connectionSource(key.connectionId),
      tag: [...(meta.tag ?? []).filter((tag) => tag.system !== tagSystem), sourceTag],
    },
  };
  if (hasIdentifierElement(resource.resourceType)) {
    const system = nativeIdentifierSystem(scheme, key);
    // Several resources of one type from one record (a vital per Observation) each get their own
    // value, so an identifier search finds exactly one: `<native id>#<qualifier>`.
    const value = key.qualifier === undefined ? key.nativeId : `${key.nativeId}#${key.qualifier}`;
    const native: Identifier = { use: 'secondary', system, value };
    const holder = stamped as Resource & { identifier?: Identifier | Identifier[] };
    if (isRepeating(`${resource.resourceType}.identifier`)) {
      const existing = Array.isArray(holder.identifier) ? holder.identifier : [];
      holder.identifier = [...existing.filter((identifier) => identifier.system !== system), native];
    } else if (!holder.identifier || (holder.identifier as Identifier).system === system) {
      holder.identifier = native;
    }
  }
  return stamped as T;
}
