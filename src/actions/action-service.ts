import { createHash } from 'node:crypto';
import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import type { Logger } from 'pino';
import type { Caller } from '../auth/scopes.ts';
import { connectionState } from '../connectors/common/connection-state.ts';
import type { CatalogRow, Connector, ConnectorSession, NamedOperation } from '../connectors/connector.ts';
import type { FhirDefinitions } from '../fhir/definitions.ts';
import { type IdentityScheme, nativeIdentifierSystem } from '../fhir/identity.ts';
import { errorIssues } from '../fhir/operation-outcome.ts';
import { parseSearch } from '../fhir/parse-search.ts';
import { SearchError } from '../fhir/search-error.ts';
import { validateResource } from '../fhir/validate-resource.ts';
import type { MappingSet } from '../mapping/mapping-set.ts';
import { nativeIdFromResource } from '../mapping/native-id.ts';
import type { NativeIdResolver } from '../mapping/run-state.ts';
import { canonicalJson } from '../store/canonical-hash.ts';
import type { Connection, Store, StoredResource } from '../store/port.ts';
import { ID_GRAMMAR } from '../store/validate-ids.ts';
import { decodeRowWatermark, watermarkKey } from '../sync/sync-keys.ts';
import { createTriggerTagger } from '../sync/trigger-tagger.ts';
import { ActionError, asActionError } from './action-error.ts';
import { fhirOperationAnswer, fhirOperationBody } from './fhir-operation.ts';
import { type IdempotencyDeps, runOnce } from './idempotent-run.ts';
import { applyMergePatch, isObject } from './merge-patch.ts';
import { changedFields } from './native-diff.ts';
import { guardReferences } from './reference-guard.ts';
import { withSiblingItems } from './sibling-items.ts';
import { storeNativeRecords, writtenOfType } from './store-answer.ts';
import { type LeaseWait, withLease } from './with-lease.ts';
import { findWriteTargets, type WriteKind } from './write-targets.ts';

export type ActionServiceDeps = {
  readonly store: Store;
  readonly mappings: MappingSet;
  readonly connectors: readonly Connector[];
  readonly definitions: FhirDefinitions;
  readonly scheme: IdentityScheme;
  /** Lease times for idempotency keys and upsert identities. */
  readonly idempotency?: LeaseWait;
  /** One line per mutation (ids, types, codes, milliseconds). */
  readonly log?: Pick<Logger, 'info'>;
};

/** What an idempotency record keeps: the stored version a mutation produced, or a raw answer. */
export type ActionResult =
  | { readonly type: string; readonly id: string; readonly versionId: number }
  | { readonly json: unknown };

/** Upsert's match: an identifier (`system|value`) or a FHIR search (`code=…&subject=…`). */
export type UpsertMatch = { readonly identifier?: string; readonly search?: string };

export type ActionService = {
  create(
    caller: Caller,
    input: { connection: string; type: string; res: unknown; idempotencyKey: string },
  ): Promise<unknown>;
  update(
    caller: Caller,
    input: { type: string; id: string; res: unknown; idempotencyKey: string },
  ): Promise<unknown>;
  patch(
    caller: Caller,
    input: { type: string; id: string; patch: unknown; idempotencyKey: string },
  ): Promise<unknown>;
  delete(caller: Caller, input: { type: string; id: string; idempotencyKey: string }): Promise<unknown>;
  upsert(
    caller: Caller,
    input: { connection: string; type: string; match: UpsertMatch; res: unknown; idempotencyKey: string },
  ): Promise<unknown>;
  invoke(
    caller: Caller,
    input: {
      operation: NamedOperation;
      connection: string;
      target?: string | undefined;
      elementId?: string | undefined;
      input: unknown;
      idempotencyKey: string;
    },
  ): Promise<unknown>;
};

type Target = { connection: Connection; connector: Connector; row: CatalogRow };

/**
 * The mutation machinery every source uses (docs/mutations.md): checks (write scope, the caller's
 * connection, its state, FHIR validation, references), the reverse mapping, one source call per
 * idempotency key, and the answer stored through the sync layer's page write. Nothing is stored
 * when the source refuses.
 */
export function createActionService(deps: ActionServiceDeps): ActionService {
  const { store, mappings, definitions, scheme } = deps;
  const leaseWait: LeaseWait = deps.idempotency ?? {};
  const idem: IdempotencyDeps = { store, ...leaseWait };
  const connectorOf = (source: string) => deps.connectors.find((c) => c.source === source);

  async function connectionFor(
    caller: Caller,
    id: string,
  ): Promise<{ connection: Connection; connector: Connector }> {
    if (!caller.scopes.has('write')) throw new ActionError('FORBIDDEN', 'this API key lacks the write scope');
    const connection = ID_GRAMMAR.connection.pattern.test(id)
      ? await store.connections.get(caller.tenant, id)
      : undefined;
    if (!connection) throw new ActionError('UNKNOWN_CONNECTION', `no connection ${safe(id)} in this tenant`);
    if (connectionState(connection) === 'needs_reauth')
      throw new ActionError(
        'NEEDS_REAUTH',
        `connection ${connection.id} needs to be re-authorised before it can write (reconnect it)`,
      );
    const connector = connectorOf(connection.source);
    if (!connector) throw new ActionError('UNSUPPORTED_BY_SOURCE', `no connector for ${connection.source}`);
    return { connection, connector };
  }

  function rowFor(
    connector: Connector,
    type: string,
    kind: WriteKind,
    resource?: Resource,
    fromEntity?: string,
  ): CatalogRow {
    // A source with several rows for one type says which one a create goes to (from the input);
    // a stored resource names its own (the native-id identifier's source type).
    const routed = kind === 'create' && resource ? connector.createRow?.(resource) : undefined;
    if (routed && 'reason' in routed) throw new ActionError('VALIDATION', routed.reason);
    const target = findWriteTargets([connector], mappings).find(
      (t) =>
        t.type === type &&
        t.kinds.has(kind) &&
        (!routed || t.row.key === routed.row) &&
        (fromEntity === undefined || t.row.entity === fromEntity),
    );
    if (!target)
      throw new ActionError(
        'UNSUPPORTED_BY_SOURCE',
        `${connector.source} offers no ${kind} of ${type} (see docs/coverage.md for what it offers instead)`,
      );
    return target.row;
  }

  /** The stored resource a mutation addresses by gateway id, with its connection. */
  async function storedTarget(caller: Caller, type: string, id: string, kind: WriteKind) {
    if (!caller.scopes.has('write')) throw new ActionError('FORBIDDEN', 'this API key lacks the write scope');
    const stored = ID_GRAMMAR.resourceId.pattern.test(id)
      ? await store.resources.read(caller.tenant, type, id)
      : undefined;
    if (!stored || stored.deleted) throw new ActionError('NOT_FOUND', `${type}/${safe(id)} not found`);
    if (stored.connection === undefined)
      throw new ActionError('UNSUPPORTED_BY_SOURCE', `${type}/${id} did not come from a source connection`);
    const { connection, connector } = await connectionFor(caller, stored.connection);
    const row = rowFor(connector, type, kind, undefined, sourceTypeOf(stored.resource, connection));
    const nativeId = nativeIdFromResource(scheme, stored.resource, {
      source: connection.source,
      connectionId: connection.id,
    });
    if (nativeId === undefined)
      throw new ActionError('NOT_FOUND', `${type}/${id} carries no native id of connection ${connection.id}`);
    return { stored, nativeId, target: { connection, connector, row } satisfies Target };
  }

  /** The native record type a stored resource came from (its native-id identifier's last segment). */
  function sourceTypeOf(resource: Resource, connection: Connection): string | undefined {
    const prefix = nativeIdentifierSystem(scheme, {
      source: connection.source,
      connectionId: connection.id,
      sourceType: '_',
    }).slice(0, -1);
    const identifiers = (resource as { identifier?: { system?: string }[] }).identifier;
    const system = (Array.isArray(identifiers) ? identifiers : [])
      .map((i) => i.system ?? '')
      .find((sys) => sys.startsWith(prefix) && !sys.includes('/', prefix.length));
    return system?.slice(prefix.length);
  }

  function validate(resource: Resource): void {
    const errors = errorIssues(validateResource(definitions, resource));
    if (errors.length > 0)
      throw new ActionError(
        'VALIDATION',
        `the input is not a valid FHIR R4 ${resource.resourceType}: ${errors.length} issue(s), see the OperationOutcome`,
        { issues: errors.map(phiFree) },
      );
  }

  function reverse(target: Target, resource: Resource, resolve: NativeIdResolver): Record<string, unknown> {
    const result = mappings.reverse(target.connection.source, target.row.entity, resource, {
      resolveNativeId: resolve,
    });
    if (!result.ok)
      throw new ActionError(
        'VALIDATION',
        `the ${resource.resourceType} cannot be written to ${target.connection.source}: ${result.reason}${result.path ? ` (at ${result.path})` : ''}`,
      );
    return result.payload;
  }

  async function withSession<T>(
    target: Target,
    what: string,
    fn: (session: ConnectorSession) => Promise<T>,
  ): Promise<T> {
    const session = await target.connector.open(target.connection);
    try {
      return await fn(session);
    } catch (error) {
      throw asActionError(error, what, (field) =>
        mappings
          .mappingsFor(target.connection.source, target.row.entity)
          .flatMap((m) => (m.reverseSources.get(field) ?? []).map((element) => `${m.target}.${element}`)),
      );
    } finally {
      await session.close();
    }
  }

  async function storeAnswer(
    target: Target,
    type: string,
    answer: unknown,
    preferId?: string,
  ): Promise<ActionResult> {
    const written = await storeNativeRecords(deps, target.connection, target.connector, target.row, [answer]);
    const stored = writtenOfType(written, type, preferId);
    return { type: stored.type, id: stored.id, versionId: stored.versionId };
  }

  async function answerOf(tenant: string, result: ActionResult): Promise<unknown> {
    if ('json' in result) return result.json;
    const stored = await store.resources.readVersion(tenant, result.type, result.id, result.versionId);
    if (!stored) throw new ActionError('NOT_FOUND', `${result.type}/${result.id} is no longer stored`);
    return stored.resource;
  }

  /** Reads a row from the source and keeps the records `keep` accepts (reconciliation, upsert). */
  async function sourceRecords(
    session: ConnectorSession,
    target: Target,
    keep: (record: unknown) => boolean,
    since?: string,
  ): Promise<unknown[]> {
    const found: unknown[] = [];
    for await (const page of session.poll({ row: target.row, watermark: since })) {
      for (const record of page.records) if (keep(record)) found.push(record);
    }
    return found;
  }

  /** The one source record a timed-out create left behind, or undefined when there is none. */
  async function findCreated(target: Target, type: string, payload: Record<string, unknown>) {
    return withSession(target, `${type}Create`, async (session) => {
      const matches = await sourceRecords(session, target, (record) => contains(record, payload));
      if (matches.length === 0) return undefined;
      if (matches.length > 1)
        throw new ActionError(
          'CONFLICT',
          `the first attempt's outcome is unknown and ${matches.length} ${target.row.source} records match it; check the source`,
        );
      return storeAnswer(target, type, matches[0]);
    });
  }

  async function create(
    caller: Caller,
    input: { connection: string; type: string; res: unknown; idempotencyKey: string },
  ) {
    const { connection, connector } = await connectionFor(caller, input.connection);
    const resource = asResource(input.type, input.res);
    const target: Target = { connection, connector, row: rowFor(connector, input.type, 'create', resource) };
    delete (resource as { id?: string }).id;
    validate(resource);
    const payload = reverse(target, resource, await guardReferences(deps, connection, resource));
    const result = await runOnce(idem, caller.tenant, input.idempotencyKey, ['create', input], {
      run: () =>
        withSession(target, `${input.type}Create`, async (session) =>
          storeAnswer(target, input.type, await session.write(target.row, 'create', { body: payload })),
        ),
      reconcile: () => findCreated(target, input.type, payload),
    });
    return answerOf(caller.tenant, result);
  }

  /** Update and patch: the changed native fields only, so what the caller did not touch stays as it is. */
  async function change(
    caller: Caller,
    kind: 'update' | 'patch',
    type: string,
    id: string,
    next: (stored: Resource) => unknown,
    idempotencyKey: string,
    request: unknown,
  ) {
    const { stored, nativeId, target } = await storedTarget(caller, type, id, kind);
    const execute = await prepareChange(target, stored, nativeId, next, kind === 'patch');
    const result = await runOnce(idem, caller.tenant, idempotencyKey, request, {
      run: execute,
      // A partial update sends the same fields again: repeating it is harmless.
      reconcile: async () => undefined,
    });
    return answerOf(caller.tenant, result);
  }

  /** Checks an update and answers the call that makes it (sending only the changed native fields). */
  async function prepareChange(
    target: Target,
    stored: StoredResource,
    nativeId: string,
    next: (stored: Resource) => unknown,
    clearRemoved: boolean,
  ): Promise<() => Promise<ActionResult>> {
    const type = stored.type;
    const wanted = asResource(type, next(stored.resource));
    (wanted as { id?: string }).id = stored.id;
    validate(wanted);
    const after = reverse(target, wanted, await guardReferences(deps, target.connection, wanted));
    const before = await reverseStored(target, stored.resource);
    const changed = before ? changedFields(before, after, { clearRemoved }) : after;
    const updatable = (field: string) => !target.row.updateFields || target.row.updateFields.includes(field);
    // A field the source cannot update and an update leaves out stays as the source has it; one the
    // input sets to another value (or a patch removes) is refused rather than dropped silently.
    const body = Object.fromEntries(
      Object.entries(changed).filter(([k, v]) => updatable(k) || v !== null || clearRemoved),
    );
    const refused = Object.keys(body).filter((field) => !updatable(field));
    if (before && refused.length > 0) {
      const via = (target.connector.operations ?? []).filter((op) => op.row === target.row.key);
      throw new ActionError(
        'UNSUPPORTED_BY_SOURCE',
        `${target.connection.source} cannot change ${refused.join(', ')} of ${target.row.key} in an update${via.length > 0 ? ` (see ${via.map((op) => op.graphqlField).join(', ')})` : ''}`,
      );
    }
    return async () => {
      if (Object.keys(body).length === 0) return { type, id: stored.id, versionId: stored.versionId };
      return withSession(target, `${type}Update`, async (session) => {
        const sent = await withSiblingItems(session, target.row, nativeId, before, body);
        const answer = await session.write(target.row, 'patch', { nativeId, body: sent });
        // DrChrono answers 204 with no body: read the record back.
        const record = isObject(answer) ? answer : await session.read(target.row, nativeId);
        return storeAnswer(target, type, record, stored.id);
      });
    };
  }

  /** The native payload the stored resource stands for (what the source holds), or undefined when it no longer reverses. */
  async function reverseStored(
    target: Target,
    resource: Resource,
  ): Promise<Record<string, unknown> | undefined> {
    let resolve: NativeIdResolver;
    try {
      resolve = await guardReferences(deps, target.connection, resource);
    } catch {
      return undefined;
    }
    const result = mappings.reverse(target.connection.source, target.row.entity, resource, {
      resolveNativeId: resolve,
    });
    return result.ok ? result.payload : undefined;
  }

  async function remove(caller: Caller, input: { type: string; id: string; idempotencyKey: string }) {
    const { stored, nativeId, target } = await storedTarget(caller, input.type, input.id, 'delete');
    const result = await runOnce(idem, caller.tenant, input.idempotencyKey, ['delete', input], {
      run: () =>
        withSession(target, `${input.type}Delete`, async (session) => {
          const answer = await session.write(target.row, 'delete', { nativeId });
          // A soft delete reads back marked (DrChrono's deleted_flag, archived): stored as a poll
          // would, so every resource the record stands for (an appointment's Encounter too) is
          // tombstoned once and the next poll finds nothing new.
          if (isObject(answer))
            await storeNativeRecords(deps, target.connection, target.connector, target.row, [answer], {
              deleted: true,
            });
          const options = {
            connection: target.connection.id,
            triggers: createTriggerTagger(target.connector.triggers, target.row),
          };
          for (const sibling of await sameRecord(caller.tenant, target, stored, nativeId))
            await store.resources.delete(caller.tenant, sibling.type, sibling.id, options);
          return { type: input.type, id: stored.id, versionId: stored.versionId };
        }),
      // A delete of what is already gone answers not_found: retrying is the check.
      reconcile: async () => undefined,
    });
    return answerOf(caller.tenant, result);
  }

  /**
   * The stored resources one native record stands for (the addressed one and, say, an appointment's
   * Encounter): every current resource of the row's types carrying the same native-id identifier.
   */
  async function sameRecord(
    tenant: string,
    target: Target,
    stored: StoredResource,
    nativeId: string,
  ): Promise<Array<{ type: string; id: string }>> {
    const system = nativeIdentifierSystem(scheme, {
      source: target.connection.source,
      connectionId: target.connection.id,
      sourceType: target.row.entity,
    });
    const found = [{ type: stored.type, id: stored.id }];
    for (const type of target.row.fhirTypes) {
      const params = new URLSearchParams({ identifier: `${system}|${nativeId}`, _count: '20' });
      let query: ReturnType<typeof parseSearch>;
      try {
        query = parseSearch(definitions, type, params);
      } catch (error) {
        // A type without an identifier search has no siblings to find; the source already deleted.
        if (error instanceof SearchError) continue;
        throw error;
      }
      const page = await store.resources.search(tenant, type, query);
      for (const item of page.items)
        if (item.connection === target.connection.id && !(item.type === stored.type && item.id === stored.id))
          found.push({ type: item.type, id: item.id });
    }
    return found;
  }

  async function upsert(
    caller: Caller,
    input: { connection: string; type: string; match: UpsertMatch; res: unknown; idempotencyKey: string },
  ) {
    const { connection, connector } = await connectionFor(caller, input.connection);
    const createTarget: Target = {
      connection,
      connector,
      row: rowFor(connector, input.type, 'create', asResource(input.type, input.res)),
    };
    rowFor(connector, input.type, 'update');
    const params = matchParams(input.match);
    const query = searchOf(input.type, params);
    validate({ ...asResource(input.type, input.res) });
    const identity = createHash('sha256')
      .update(canonicalJson([connection.id, input.type, params]))
      .digest('hex');
    const result = await runOnce(idem, caller.tenant, input.idempotencyKey, ['upsert', input], {
      run: () =>
        withLease(
          store,
          `upsert/${caller.tenant}/${identity}`,
          { ...leaseWait, busy: 'another upsert of this identity is still running; retry later' },
          async () => {
            let found = await matching(caller.tenant, connection, input.type, query);
            if (found.length === 0) {
              // Not in the gateway yet: read what the source holds since the last poll, then look again.
              await withSession(createTarget, `${input.type}Upsert`, async (session) => {
                const mark = decodeRowWatermark(
                  await store.watermarks.get(
                    watermarkKey(caller.tenant, connection.id, createTarget.row.key),
                  ),
                );
                const records = await sourceRecords(session, createTarget, () => true, mark?.cursor);
                if (records.length > 0)
                  await storeNativeRecords(deps, connection, connector, createTarget.row, records);
              });
              found = await matching(caller.tenant, connection, input.type, query);
            }
            if (found.length > 1)
              throw new ActionError(
                'CONFLICT',
                `the match finds ${found.length} ${input.type} resources; make it narrower`,
              );
            const existing = found[0];
            if (existing) {
              const { nativeId, target } = await storedTarget(caller, input.type, existing.id, 'update');
              return (await prepareChange(target, existing, nativeId, () => input.res, false))();
            }
            const resource = asResource(input.type, input.res);
            const payload = reverse(
              createTarget,
              resource,
              await guardReferences(deps, connection, resource),
            );
            return withSession(createTarget, `${input.type}Upsert`, async (session) =>
              storeAnswer(
                createTarget,
                input.type,
                await session.write(createTarget.row, 'create', { body: payload }),
              ),
            );
          },
        ),
      // Running an upsert again finds what a timed-out first attempt created (in the source) and updates it.
      reconcile: async () => undefined,
    });
    return answerOf(caller.tenant, result);
  }

  function searchOf(type: string, params: URLSearchParams) {
    params.set('_count', '2');
    try {
      return parseSearch(definitions, type, params);
    } catch (error) {
      if (error instanceof SearchError)
        throw new ActionError('VALIDATION', `match: ${error.message}`, { issues: error.outcome.issue });
      throw error;
    }
  }

  async function matching(
    tenant: string,
    connection: Connection,
    type: string,
    query: ReturnType<typeof parseSearch>,
  ) {
    const page = await store.resources.search(tenant, type, query);
    return page.items.filter((item) => item.connection === connection.id);
  }

  async function invoke(
    caller: Caller,
    input: {
      operation: NamedOperation;
      connection: string;
      target?: string | undefined;
      elementId?: string | undefined;
      input: unknown;
      idempotencyKey: string;
    },
  ) {
    const op = input.operation;
    const { connection, connector } = await connectionFor(caller, input.connection);
    if (connection.source !== op.source || !connector.operations?.includes(op))
      throw new ActionError('UNSUPPORTED_BY_SOURCE', `${op.graphqlField} needs a ${op.source} connection`);
    const row = connector.catalog.find((r) => r.key === op.row);
    if (!row) throw new ActionError('UNSUPPORTED_BY_SOURCE', `${op.source} has no ${op.row}`);
    const target: Target = { connection, connector, row };
    if (!op.target) return invokePlain(caller, target, op, { ...input, subject: input.target });
    if (!input.target)
      throw new ActionError('VALIDATION', `${op.graphqlField} needs the id of its ${op.target.type}`);
    const { stored, nativeId } = await storedTarget(caller, op.target.type, input.target, 'update');
    if (stored.connection !== connection.id)
      throw new ActionError(
        'FOREIGN_REFERENCE',
        `${op.target.type}/${stored.id} is not a resource of connection ${connection.id}`,
      );
    const element = op.target.element ?? '';
    const nativeElement = op.target.nativeElement ?? element;
    const items = ((stored.resource as unknown as Record<string, unknown>)[element] ?? []) as Record<
      string,
      unknown
    >[];
    const elementInput = isObject(input.input) ? { ...input.input } : {};
    delete elementInput.id;
    let next: Record<string, unknown>[];
    if (input.elementId !== undefined) {
      if (!items.some((item) => item.id === input.elementId))
        throw new ActionError(
          'NOT_FOUND',
          `${op.target.type}/${stored.id} has no ${element} ${safe(input.elementId)}`,
        );
      next = items.map((item) =>
        item.id === input.elementId ? (applyMergePatch(item, elementInput) as Record<string, unknown>) : item,
      );
    } else next = [...items, elementInput];
    const wanted = { ...stored.resource, [element]: next } as Resource;
    validate(wanted);
    const after = reverse(target, wanted, await guardReferences(deps, connection, wanted));
    const afterItems = (after[nativeElement] ?? []) as Record<string, unknown>[];
    let body: Record<string, unknown>;
    if (input.elementId !== undefined) {
      const before = await reverseStored(target, stored.resource);
      const beforeItem =
        ((before?.[nativeElement] ?? []) as Record<string, unknown>[]).find(
          (i) => i.id === input.elementId,
        ) ?? {};
      body = changedFields(beforeItem, afterItems.find((i) => i.id === input.elementId) ?? {}, {
        clearRemoved: false,
      });
    } else body = { ...(afterItems[afterItems.length - 1] ?? {}) };
    delete body.id;
    const refresh = (session: ConnectorSession) => async () => {
      const record = await session.read(row, nativeId);
      if (record === undefined)
        throw new ActionError('NOT_FOUND', `the source no longer has ${op.target?.type}/${stored.id}`);
      return storeAnswer(target, op.target?.type ?? op.outputType, record);
    };
    const result = await runOnce(
      idem,
      caller.tenant,
      input.idempotencyKey,
      [op.id, { ...input, operation: op.id }],
      {
        run: () =>
          withSession(target, op.graphqlField, async (session) => {
            await session.invoke?.(op, {
              parentNativeId: nativeId,
              ...(input.elementId !== undefined ? { nativeId: input.elementId } : {}),
              body,
            });
            return refresh(session)();
          }),
        reconcile: async () => {
          if (op.method !== 'POST') return undefined;
          // Did the timed-out POST add the element? Look for exactly one new item like it in the source.
          return withSession(target, op.graphqlField, async (session) => {
            const record = await session.read(row, nativeId);
            const known = new Set(items.map((item) => item.id));
            const added = (
              ((record as Record<string, unknown> | undefined)?.[nativeElement] ?? []) as Record<
                string,
                unknown
              >[]
            ).filter((item) => !known.has(item.id) && contains(item, body));
            if (added.length === 0) return undefined;
            if (added.length > 1)
              throw new ActionError(
                'CONFLICT',
                `the first attempt's outcome is unknown and ${added.length} items match it; check the source`,
              );
            return refresh(session)();
          });
        },
      },
    );
    return answerOf(caller.tenant, result);
  }

  /** An operation that takes a resource (e.g. Epic `Parameters`) and answers whatever the source answers. */
  async function invokePlain(
    caller: Caller,
    target: Target,
    op: NamedOperation,
    input: { input: unknown; idempotencyKey: string; connection: string; subject?: string | undefined },
  ) {
    const nativeId = op.subject ? await subjectNativeId(caller, target, op, input.subject) : undefined;
    // An operation on a record may take no input at all (a revoke): an empty Parameters then.
    const resource = asResource(
      op.inputType,
      op.subject && (input.input === undefined || input.input === null) ? {} : input.input,
    );
    if (definitions.resourceTypes.includes(op.inputType)) validate(resource);
    const resolve = await guardReferences(deps, target.connection, resource);
    const reversible = mappings
      .mappingsFor(target.connection.source, target.row.entity)
      .some((m) => m.target === op.inputType && m.hasReverse);
    // Without a reverse template the input (Epic `Parameters`) goes as FHIR, its references in source ids.
    const body = op.body
      ? parametersBody(op, resource, resolve)
      : reversible
        ? reverse(target, resource, resolve)
        : fhirOperationBody(resource, resolve);
    const sent = op.method === 'GET' || op.method === 'DELETE' ? undefined : body;
    const result = await runOnce(idem, caller.tenant, input.idempotencyKey, [op.id, { ...input }], {
      run: () =>
        withSession(target, op.graphqlField, async (session) => {
          if (!session.invoke)
            throw new ActionError('UNSUPPORTED_BY_SOURCE', `${op.source} has no named operations`);
          const answer = await session.invoke(op, {
            ...(nativeId !== undefined ? { nativeId } : {}),
            ...(sent ? { body: sent } : {}),
          });
          // The record an operation acted on is read back as a read by id maps it (the same as a
          // poll), whatever shape the operation's own answer has.
          if (
            op.answer === 'record' &&
            nativeId !== undefined &&
            target.row.fhirTypes.includes(op.outputType)
          ) {
            const record = await session.read(target.row, nativeId);
            if (record === undefined)
              throw new ActionError('NOT_FOUND', `the source no longer has the ${op.outputType}`);
            return storeAnswer(target, op.outputType, record);
          }
          if (
            isObject(answer) &&
            (op.answer === 'record' || answer.resourceType === op.outputType) &&
            target.row.fhirTypes.includes(op.outputType)
          )
            return storeAnswer(target, op.outputType, answer);
          return { json: operationAnswer(target.connection, op, answer) } satisfies ActionResult;
        }),
      reconcile: async () => {
        // Reading, replacing or removing again leaves the source as one call would.
        if (op.method === 'GET' || op.method === 'PUT' || op.method === 'DELETE') return undefined;
        throw new ActionError(
          'CONFLICT',
          `the first ${op.graphqlField} attempt's outcome is unknown and the source offers no way to find it; check the source before retrying with a new idempotencyKey`,
        );
      },
    });
    return answerOf(caller.tenant, result);
  }

  /**
   * The native id of the record an operation acts on (`NamedOperation.subject`), checked before any
   * call: a gateway id must name a current resource of the caller's tenant (else NOT_FOUND, as for
   * one that does not exist), of this connection and of the operation's row (else
   * FOREIGN_REFERENCE).
   */
  async function subjectNativeId(
    caller: Caller,
    target: Target,
    op: NamedOperation,
    id: string | undefined,
  ): Promise<string> {
    const subject = op.subject;
    if (!subject) throw new Error(`${op.id} acts on no record`);
    if (id === undefined || id === '')
      throw new ActionError('VALIDATION', `${op.graphqlField} needs the id of the record it acts on`);
    const stored = ID_GRAMMAR.resourceId.pattern.test(id)
      ? await store.resources.read(caller.tenant, subject.type, id)
      : undefined;
    if (!stored || stored.deleted)
      throw new ActionError('NOT_FOUND', `${subject.type}/${safe(id)} not found`);
    const nativeId =
      stored.connection === target.connection.id &&
      sourceTypeOf(stored.resource, target.connection) === target.row.entity
        ? nativeIdFromResource(scheme, stored.resource, {
            source: target.connection.source,
            connectionId: target.connection.id,
          })
        : undefined;
    if (nativeId === undefined)
      throw new ActionError(
        'FOREIGN_REFERENCE',
        `${subject.type}/${stored.id} is not a ${target.row.key} record of connection ${target.connection.id}`,
      );
    return nativeId;
  }

  /** One log line per mutation: ids, types and codes only (inputs and answers may be PHI). */
  function logged<I extends { idempotencyKey: string }>(
    kind: string,
    run: (caller: Caller, input: I) => Promise<unknown>,
  ): (caller: Caller, input: I) => Promise<unknown> {
    return async (caller, input) => {
      // Keys from the log allow-list (src/log/safe-fields.ts); not `resourceType`, which marks a resource.
      const fields = {
        tenant: caller.tenant,
        action: kind,
        ...('type' in input && typeof input.type === 'string' ? { type: input.type } : {}),
        ...('operation' in input ? { operation: (input.operation as NamedOperation).id } : {}),
      };
      const started = Date.now();
      try {
        const answer = await run(caller, input);
        deps.log?.info({ ...fields, ms: Date.now() - started }, 'mutation done');
        return answer;
      } catch (error) {
        if (error instanceof ActionError)
          deps.log?.info({ ...fields, code: error.code, ms: Date.now() - started }, 'mutation refused');
        throw error;
      }
    };
  }

  return {
    create: logged('create', create),
    update: logged('update', (caller, input: Parameters<ActionService['update']>[1]) =>
      change(caller, 'update', input.type, input.id, () => input.res, input.idempotencyKey, [
        'update',
        input,
      ]),
    ),
    patch: logged('patch', (caller, input: Parameters<ActionService['patch']>[1]) =>
      change(
        caller,
        'patch',
        input.type,
        input.id,
        (stored) => {
          if (!isObject(input.patch))
            throw new ActionError('VALIDATION', 'patch must be a JSON object (JSON Merge Patch, RFC 7396)');
          if ('resourceType' in input.patch || 'id' in input.patch || 'meta' in input.patch)
            throw new ActionError('VALIDATION', 'a patch may not change resourceType, id or meta');
          return applyMergePatch(stored, input.patch);
        },
        input.idempotencyKey,
        ['patch', input],
      ),
    ),
    delete: logged('delete', remove),
    upsert: logged('upsert', upsert),
    invoke: logged('operation', invoke),
  };
}

/** A `Parameters` input as the native body an operation declares (`NamedOperation.body`). */
function parametersBody(
  op: NamedOperation,
  resource: Resource,
  resolve: NativeIdResolver,
): Record<string, unknown> {
  const parameters = ((resource as { parameter?: unknown }).parameter ?? []) as Record<string, unknown>[];
  const body: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(op.body ?? {})) {
    const parameter = parameters.find((p) => p.name === spec.parameter);
    const key = Object.keys(parameter ?? {}).find((k) => k.startsWith('value'));
    let value = key ? parameter?.[key] : undefined;
    if (key === 'valueReference') {
      const reference = (value as { reference?: unknown } | undefined)?.reference;
      value = typeof reference === 'string' ? resolve(reference) : undefined;
    }
    if (value === undefined || value === null || isObject(value)) {
      if (spec.required)
        throw new ActionError('VALIDATION', `${op.graphqlField} needs the parameter ${spec.parameter}`);
      continue;
    }
    body[field] = spec.integer && /^[0-9]+$/.test(String(value)) ? Number(value) : value;
  }
  return body;
}

/** What an operation answers when nothing is stored: its declared shape, or the source's answer. */
function operationAnswer(connection: Connection, op: NamedOperation, answer: unknown): unknown {
  if (op.answer !== undefined && op.answer !== 'record' && isObject(answer))
    return {
      resourceType: 'Parameters',
      parameter: Object.entries(op.answer.parameters)
        .filter(([, field]) => answer[field] !== undefined && answer[field] !== null)
        .map(([name, field]) => ({ name, valueString: String(answer[field]) })),
    };
  if ((answer === undefined || answer === null || answer === '') && op.outputType === 'OperationOutcome')
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: `${op.id}: done` }],
    };
  return fhirOperationAnswer(connection, answer);
}

/** The input as a resource of `type` (its input may carry resourceType, which must name `type`). */
function asResource(type: string, value: unknown): Resource {
  if (!isObject(value)) throw new ActionError('VALIDATION', `the input must be a ${type} object`);
  const { meta: _meta, ...rest } = value;
  if (rest.resourceType !== undefined && rest.resourceType !== type)
    throw new ActionError('VALIDATION', `the input's resourceType must be ${type}`);
  return { ...rest, resourceType: type } as unknown as Resource;
}

function matchParams(match: UpsertMatch): URLSearchParams {
  const given = [match.identifier, match.search].filter((v) => v !== undefined && v !== null);
  if (given.length !== 1)
    throw new ActionError('VALIDATION', 'match needs exactly one of identifier or search');
  if (match.identifier) return new URLSearchParams({ identifier: match.identifier });
  const params = new URLSearchParams(match.search ?? '');
  for (const key of params.keys())
    if (key.startsWith('_'))
      throw new ActionError('VALIDATION', `match: ${key} is not allowed in an upsert match`);
  if ([...params.keys()].length === 0) throw new ActionError('VALIDATION', 'match.search names no parameter');
  return params;
}

/** True when `record` holds every field of `expected` (objects: at least those keys; lists: item by item). */
export function contains(record: unknown, expected: unknown): boolean {
  if (Array.isArray(expected))
    return (
      Array.isArray(record) &&
      record.length === expected.length &&
      expected.every((e, i) => contains(record[i], e))
    );
  if (isObject(expected))
    return (
      isObject(record) &&
      Object.entries(expected).every(([k, v]) => v === undefined || contains(record[k], v))
    );
  return (
    record === expected || (record !== null && record !== undefined && String(record) === String(expected))
  );
}

/** An id echoed in a message: only when it has the id grammar (never free text from the caller). */
function safe(value: string): string {
  return ID_GRAMMAR.connection.pattern.test(value) ? value : '(invalid id)';
}

/** Validator issues keep their code and location; text that may quote a value is cut. */
function phiFree(issue: OperationOutcomeIssue): OperationOutcomeIssue {
  const text = (issue.diagnostics ?? issue.details?.text ?? issue.code).replace(/"[^"]*"/g, '"…"');
  return { ...issue, diagnostics: text, details: { text } };
}
