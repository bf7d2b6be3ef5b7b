import type { Resource } from 'fhir/r4';
import { contentHash } from './canonical-hash.ts';
import type { ChangeAction } from './port.ts';

/** What an adapter knows about the current version before a write. */
export type CurrentVersion = { versionId: number; hash: string; deleted: boolean };

export type PlannedWrite =
  | { kind: 'unchanged' }
  | {
      kind: 'write';
      action: Exclude<ChangeAction, 'deleted'>;
      versionId: number;
      hash: string;
      resource: Resource;
    };

/**
 * Decides the outcome of a put, the same way in every adapter: identical content (by hash)
 * is unchanged; a first write or a write after a tombstone is created; anything else is
 * updated. The stored copy gets `meta.versionId` and `meta.lastUpdated` stamped.
 */
export function planWrite(
  current: CurrentVersion | undefined,
  resource: Resource,
  now: string,
): PlannedWrite {
  const hash = contentHash(resource);
  if (current && !current.deleted && current.hash === hash) return { kind: 'unchanged' };
  const versionId = (current?.versionId ?? 0) + 1;
  return {
    kind: 'write',
    action: !current || current.deleted ? 'created' : 'updated',
    versionId,
    hash,
    resource: stampMeta(resource, versionId, now),
  };
}

export function stampMeta(resource: Resource, versionId: number, lastUpdated: string): Resource {
  return { ...resource, meta: { ...(resource.meta ?? {}), versionId: String(versionId), lastUpdated } };
}

/** The body of a tombstone version: no content, only what identifies it. */
export function tombstone(type: string, id: string, versionId: number, now: string): Resource {
  return stampMeta({ resourceType: type, id } as Resource, versionId, now);
}

export const TOMBSTONE_HASH = 'deleted';

/** Versions count up by one per resource, so a change replaced the version just below it — unless it created the resource. */
export function previousVersion(action: ChangeAction, versionId: number): number | undefined {
  return action === 'created' ? undefined : versionId - 1;
}
