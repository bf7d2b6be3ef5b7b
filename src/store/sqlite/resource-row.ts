import type { Resource } from 'fhir/r4';
import type { StoredResource } from '../port.ts';

/** A row of `resources` or `resource_versions`. */
export type ResourceRow = {
  tenant: string;
  type: string;
  id: string;
  version_id: number;
  last_updated: string;
  hash: string;
  deleted: number;
  connection: string | null;
  body: string;
};

export function toStored(row: ResourceRow): StoredResource {
  return {
    tenant: row.tenant,
    type: row.type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: row.last_updated,
    hash: row.hash,
    deleted: row.deleted === 1,
    connection: row.connection ?? undefined,
    resource: JSON.parse(row.body) as Resource,
  };
}
