import type { FeedStatus, ReplayPage, TriggerInfo } from '../../events/change-feed.ts';
import type { FeedEvent, FeedMessage } from '../../events/change-subscription.ts';
import type { GatewayBuilder } from '../builder.ts';
import type { GatewayContext } from '../context.ts';
import type { AnyRef } from '../object-types.ts';

export type ChangeTypes = {
  readonly kind: AnyRef;
  readonly filter: AnyRef;
  readonly message: AnyRef;
  readonly event: AnyRef;
  readonly page: AnyRef;
  readonly status: AnyRef;
  readonly trigger: AnyRef;
};

/** The change feed's GraphQL types: events, heartbeats, the filter, replay pages, status, the trigger catalog. */
export function addChangeTypes(builder: GatewayBuilder, resourceInterface: AnyRef): ChangeTypes {
  const kind = builder.enumType('ChangeKind', {
    description: 'What happened to the resource.',
    values: { created: { value: 'created' }, updated: { value: 'updated' }, deleted: { value: 'deleted' } },
  });
  const filter = builder.inputType('ChangeFilter', {
    description:
      'Which changes to receive. Every list given narrows (a change must match one value of each); leave a list out to not filter on it.',
    fields: (t) => ({
      types: t.stringList({ description: 'Resource types, e.g. ["Patient", "Appointment"].' }),
      connections: t.stringList({ description: 'Connection ids the resources came from.' }),
      sources: t.stringList({ description: 'Source systems: jane, drchrono, epic.' }),
      kinds: t.field({ type: [kind] }),
      triggers: t.stringList({ description: 'Seed trigger ids (the `triggers` query lists them).' }),
      criteria: t.string({
        description:
          'A FHIRPath expression on the resource (for a delete: the version deleted); the change passes when it is true. Compiled once, checked when subscribing.',
      }),
    }),
  });

  const event = builder.objectRef<FeedEvent>('ChangeEvent').implement({
    description: 'One committed change of a resource.',
    fields: (t) => ({
      cursor: t.string({
        nullable: false,
        description: 'Opaque: pass it as `after` to resume right after this event.',
        resolve: (e) => e.cursor,
      }),
      kind: t.field({ type: kind, nullable: false, resolve: (e) => e.change.action }),
      resourceType: t.string({ nullable: false, resolve: (e) => e.change.type }),
      id: t.id({ nullable: false, resolve: (e) => e.change.id }),
      versionId: t.int({ nullable: false, resolve: (e) => e.change.versionId }),
      previousVersionId: t.int({ resolve: (e) => e.change.previousVersionId ?? null }),
      at: t.string({
        nullable: false,
        description: 'When the change was committed (ISO instant).',
        resolve: (e) => e.change.at,
      }),
      connection: t.string({ resolve: (e) => e.change.connection ?? null }),
      source: t.string({
        description: 'The source system of the connection (jane, drchrono, epic); null for local writes.',
        resolve: async (e, _args, context: GatewayContext) =>
          (await context.feed?.sourceOf(e.tenant, e.change.connection)) ?? null,
      }),
      triggers: t.stringList({ nullable: false, resolve: (e) => [...e.change.triggers] }),
      backfill: t.boolean({
        nullable: false,
        description: 'True when the change came from a first-run backfill, not a live poll or a write.',
        resolve: (e) => e.change.backfill,
      }),
      resource: t.field({
        type: resourceInterface,
        description: 'The resource at this version (for a delete: the version deleted).',
        resolve: async (e, _args, context: GatewayContext) =>
          ((await context.feed?.resourceOf(e.tenant, e.change)) ?? null) as never,
      }),
    }),
  });
  const heartbeat = builder
    .objectRef<Extract<FeedMessage, { kind: 'heartbeat' }>>('ChangeHeartbeat')
    .implement({
      description:
        'Sent when nothing else was for a while: `cursor` is where this subscription stands (filtered-out changes included), so a client with a narrow filter still advances its resume point.',
      fields: (t) => ({
        cursor: t.string({ nullable: false, resolve: (h) => h.cursor }),
        highWaterMark: t.string({ nullable: false, resolve: (h) => h.highWaterMark }),
        at: t.string({ nullable: false, resolve: (h) => h.at }),
      }),
    });
  const message = builder.unionType('ChangeMessage', {
    types: [event, heartbeat],
    resolveType: (m: FeedMessage) => (m.kind === 'event' ? 'ChangeEvent' : 'ChangeHeartbeat'),
  });

  const page = builder.objectRef<ReplayPage>('ChangeEventPage').implement({
    fields: (t) => ({
      events: t.field({ type: [event], nullable: false, resolve: (p) => p.events }),
      cursor: t.string({
        nullable: false,
        description:
          'Where this page ended: pass it as `after` for the next page (or to subscribe from there).',
        resolve: (p) => p.cursor,
      }),
      hasMore: t.boolean({ nullable: false, resolve: (p) => p.hasMore }),
    }),
  });

  const feedErrorType = builder
    .objectRef<{ at: string; code: string; message: string }>('FeedSyncError')
    .implement({
      fields: (t) => ({
        at: t.string({ nullable: false, resolve: (e) => e.at }),
        code: t.string({ nullable: false, resolve: (e) => e.code }),
        message: t.string({ nullable: false, resolve: (e) => e.message }),
      }),
    });
  const connection = builder.objectRef<FeedStatus['connections'][number]>('FeedConnectionStatus').implement({
    fields: (t) => ({
      connection: t.string({ nullable: false, resolve: (c) => c.connection }),
      source: t.string({ nullable: false, resolve: (c) => c.source }),
      state: t.string({ nullable: false, resolve: (c) => c.state }),
      lagSeconds: t.float({ resolve: (c) => c.lagSeconds ?? null }),
      backfilling: t.boolean({ nullable: false, resolve: (c) => c.backfilling }),
      lastError: t.field({ type: feedErrorType, resolve: (c) => c.lastError ?? null }),
    }),
  });
  const status = builder.objectRef<FeedStatus>('FeedStatus').implement({
    fields: (t) => ({
      highWaterMark: t.string({ nullable: false, resolve: (s) => s.highWaterMark }),
      oldestRetained: t.string({
        nullable: false,
        description: 'The oldest cursor still accepted; older ones answer CURSOR_EXPIRED.',
        resolve: (s) => s.oldestRetained,
      }),
      connections: t.field({ type: [connection], nullable: false, resolve: (s) => [...s.connections] }),
    }),
  });

  const triggerFilter = builder.objectRef<TriggerInfo['filter']>('TriggerFilter').implement({
    description: 'The `changes(filter:)` value that subscribes to the trigger.',
    fields: (t) => ({ triggers: t.stringList({ nullable: false, resolve: (f) => [...f.triggers] }) }),
  });
  const triggerConnection = builder
    .objectRef<TriggerInfo['connections'][number]>('TriggerConnectionDelay')
    .implement({
      fields: (t) => ({
        connection: t.string({ nullable: false, resolve: (c) => c.connection }),
        cadence: t.string({ nullable: false, resolve: (c) => c.cadence }),
        worstCaseDelaySeconds: t.float({ resolve: (c) => c.worstCaseDelaySeconds ?? null }),
      }),
    });
  const trigger = builder.objectRef<TriggerInfo>('TriggerInfo').implement({
    description: 'A seed trigger of a source, and how to subscribe to it.',
    fields: (t) => ({
      id: t.string({ nullable: false, resolve: (x) => x.id }),
      source: t.string({ nullable: false, resolve: (x) => x.source }),
      seedName: t.string({ nullable: false, resolve: (x) => x.seedName }),
      resourceType: t.string({ nullable: false, resolve: (x) => x.resourceType }),
      alsoOn: t.stringList({
        nullable: false,
        description:
          'Other resource types of the same source record whose change fires it (once per record change).',
        resolve: (x) => [...x.alsoOn],
      }),
      kinds: t.field({ type: [kind], nullable: false, resolve: (x) => [...x.kinds] as never }),
      criteria: t.string({ resolve: (x) => x.criteria ?? null }),
      subscriptionField: t.string({ nullable: false, resolve: (x) => x.subscriptionField }),
      filter: t.field({ type: triggerFilter, nullable: false, resolve: (x) => x.filter }),
      worstCaseDelaySeconds: t.float({
        description:
          "Worst case from a change in the source to its event: the longest gap of the connection's poll cadence plus the tailer's poll interval (not counting the poll's own duration).",
        resolve: (x) => x.worstCaseDelaySeconds ?? null,
      }),
      connections: t.field({
        type: [triggerConnection],
        nullable: false,
        resolve: (x) => [...x.connections],
      }),
    }),
  });
  return { kind, filter, message, event, page, status, trigger };
}
