import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import { connectionState } from '../../connectors/common/connection-state.ts';
import { type CatalogRow, type Connector, SourceError } from '../../connectors/connector.ts';
import {
  connectionIdFromSource,
  gatewayId,
  type IdentityScheme,
  nativeIdentifierSystem,
} from '../../fhir/identity.ts';
import type { MappingSet } from '../../mapping/mapping-set.ts';
import type { Connection, Store } from '../../store/port.ts';
import { forwardOptionsFor } from '../../sync/poll-connection.ts';
import { createTriggerTagger } from '../../sync/trigger-tagger.ts';
import { writePage } from '../../sync/write-page.ts';

/** The parts that reach the sources: what a find with `fresh: true` (and the action catalog) needs. */
export type SourceAccess = {
  readonly connectors: readonly Connector[];
  readonly mappings: MappingSet;
  readonly scheme: IdentityScheme;
};

/** Why a fresh read failed: an OperationOutcome issue code and a message with ids and codes only (no PHI). */
export class FindError extends Error {
  override name = 'FindError';
  readonly issueCode: OperationOutcomeIssue['code'];
  constructor(issueCode: OperationOutcomeIssue['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.issueCode = issueCode;
  }
}

const SOURCE_ISSUE: Record<SourceError['code'], OperationOutcomeIssue['code']> = {
  needs_reauth: 'login',
  rate_limited: 'throttled',
  unavailable: 'transient',
  bad_response: 'exception',
  not_found: 'not-found',
  rejected: 'invalid',
  conflict: 'conflict',
  forbidden: 'forbidden',
};

/**
 * A find with `fresh: true`: reads the record behind a stored resource from its source by native
 * id, maps it forward and writes it the way a poll writes a page (so a change event is emitted
 * only when the content changed, tagged with the row's triggers), and answers the stored result.
 * The resource must have been synced once: its connection and native id come from the stored copy.
 */
export async function readThrough(
  deps: SourceAccess & { readonly store: Store },
  request: {
    readonly tenant: string;
    readonly type: string;
    readonly id: string;
    readonly signal?: AbortSignal;
  },
): Promise<Resource> {
  const { tenant, type, id } = request;
  const stored = await deps.store.resources.read(tenant, type, id);
  if (!stored) throw new FindError('not-found', `${type}/${id} not found`);
  if (stored.deleted) throw new FindError('deleted', `${type}/${id} was deleted`);
  const connectionId = stored.connection ?? connectionIdFromSource(stored.resource.meta?.source);
  if (!connectionId)
    throw new FindError('not-supported', `${type}/${id} was not read from a source connection`);
  const connection = await deps.store.connections.get(tenant, connectionId);
  if (!connection)
    throw new FindError('not-found', `the connection ${connectionId} of ${type}/${id} is gone`);
  if (connectionState(connection) === 'needs_reauth')
    throw new FindError(
      'login',
      `the connection ${connectionId} needs re-authorization before it can be read`,
    );
  const connector = deps.connectors.find((c) => c.source === connection.source);
  const origin = nativeOrigin(deps.scheme, tenant, connection, stored.resource);
  const row = origin && connector ? readableRow(connector.catalog, origin.sourceType) : undefined;
  if (!connector || !origin || !row)
    throw new FindError('not-supported', `${type}/${id} cannot be read by id from ${connection.source}`);

  const session = await connector.open(connection);
  let record: unknown;
  try {
    record = await session.read(row, origin.nativeId, request.signal);
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    const detail = [
      error.code,
      error.status && `HTTP ${error.status}`,
      error.sourceCode && `source code ${error.sourceCode}`,
    ]
      .filter(Boolean)
      .join(', ');
    throw new FindError(
      SOURCE_ISSUE[error.code],
      `${connection.source} refused the read of ${type}/${id} (${detail})`,
      {
        cause: error,
      },
    );
  } finally {
    await session.close();
  }
  if (record === undefined)
    throw new FindError('not-found', `${connection.source} no longer has the record behind ${type}/${id}`);

  const counts = await writePage(
    { store: deps.store, mappings: deps.mappings },
    {
      tenant,
      connection: { id: connection.id, source: connection.source },
      entity: row.entity,
      records: [record],
      triggers: createTriggerTagger(connector.triggers, row),
      // The options a poll maps this record with (time zone, currency, FHIR base, references).
      options: forwardOptionsFor(connection, [record]),
    },
  );
  if (counts.quarantined > 0)
    throw new FindError(
      'processing',
      `the source's current record behind ${type}/${id} does not map: it was quarantined`,
    );
  const fresh = await deps.store.resources.read(tenant, type, id);
  if (counts.skipped > 0 || !fresh || fresh.deleted)
    throw new FindError('not-found', `the source's current record no longer gives ${type}/${id}`);
  return fresh.resource;
}

/**
 * The source type and native id behind a stored resource, from its native-id identifier
 * (docs/identity.md); the id recomputed from them must be the resource's, which also tells a
 * qualified value (`<native id>#<qualifier>`) from a native id that holds a `#`.
 */
function nativeOrigin(
  scheme: IdentityScheme,
  tenant: string,
  connection: Connection,
  resource: Resource,
): { sourceType: string; nativeId: string } | undefined {
  const prefix = nativeIdentifierSystem(scheme, {
    source: connection.source,
    connectionId: connection.id,
    sourceType: '_',
  }).slice(0, -1);
  const held = (resource as { identifier?: unknown }).identifier;
  const identifiers = (Array.isArray(held) ? held : held ? [held] : []) as {
    system?: string;
    value?: string;
  }[];
  for (const identifier of identifiers) {
    const sourceType = identifier.system?.startsWith(prefix)
      ? identifier.system.slice(prefix.length)
      : undefined;
    if (!sourceType || sourceType.includes('/') || !identifier.value) continue;
    const key = { tenant, connectionId: connection.id, source: connection.source, sourceType };
    const value = identifier.value;
    if (gatewayId({ ...key, nativeId: value }) === resource.id) return { sourceType, nativeId: value };
    const hash = value.lastIndexOf('#');
    if (hash > 0) {
      const nativeId = value.slice(0, hash);
      if (gatewayId({ ...key, nativeId, qualifier: value.slice(hash + 1) }) === resource.id)
        return { sourceType, nativeId };
    }
  }
  return undefined;
}

/** The row that reads the entity's records by id: the polled one first. */
function readableRow(catalog: readonly CatalogRow[], entity: string): CatalogRow | undefined {
  const rows = catalog.filter((r) => r.entity === entity && r.operations.includes('read'));
  return rows.find((r) => r.polledBy === undefined) ?? rows[0];
}
