import type { Identifier, Resource } from 'fhir/r4';
import { connectionIdFromSource } from '../fhir/identity.ts';

export type GatewayProvenance = {
  readonly sourceSystem: string | undefined;
  readonly connection: string | undefined;
  readonly sourceType: string | undefined;
  readonly nativeId: string | undefined;
  readonly lastSynced: string | undefined;
  readonly versionId: string | undefined;
};

const SOURCE_SYSTEM_TAG_SUFFIX = '/CodeSystem/source-system';

/**
 * Reads provenance back from the FHIR elements docs/identity.md defines: meta.source names the
 * connection, the source-system tag the system, and the `<base>/sid/<source>/<connection>/<type>`
 * identifier the native id. lastSynced is meta.lastUpdated (when the gateway last stored a change).
 */
export function gatewayProvenance(resource: Resource): GatewayProvenance {
  const connection = connectionIdFromSource(resource.meta?.source);
  const sourceSystem = resource.meta?.tag?.find((tag) =>
    tag.system?.endsWith(SOURCE_SYSTEM_TAG_SUFFIX),
  )?.code;
  const identifiers = (resource as { identifier?: Identifier | Identifier[] }).identifier;
  const list = Array.isArray(identifiers) ? identifiers : identifiers ? [identifiers] : [];
  const marker = `/sid/${sourceSystem}/${connection}/`;
  const native =
    sourceSystem && connection ? list.find((identifier) => identifier.system?.includes(marker)) : undefined;
  const sourceType = native?.system?.slice(native.system.indexOf(marker) + marker.length);
  return {
    sourceSystem,
    connection,
    sourceType,
    // One of several resources of a record carries `<native id>#<qualifier>`: the record's id is what the source knows.
    nativeId: native?.value?.split('#')[0],
    lastSynced: resource.meta?.lastUpdated,
    versionId: resource.meta?.versionId,
  };
}
