import type { TriggerDefinition } from '../../connectors/connector.ts';
import type { ChangeFeed } from '../../events/change-feed.ts';
import type { FeedMessage } from '../../events/change-subscription.ts';
import type { EventFilterInput } from '../../events/event-filter.ts';
import { ALL_TRIGGERS, triggerFieldName } from '../../events/trigger-catalog.ts';
import type { GatewayBuilder } from '../builder.ts';
import type { GatewayContext } from '../context.ts';
import type { AnyRef } from '../object-types.ts';
import { addChangeTypes } from './change-types.ts';
import { asFeedError, feedError } from './feed-errors.ts';

type Scope = 'read' | 'subscribe';
type ReplayArgs = {
  after?: string | null;
  until?: string | null;
  filter?: EventFilterInput | null;
  first?: number | null;
};

/** The feed, for a caller holding `scope`; the schema is shared, the feed is the process's. */
function feedFor(context: GatewayContext, scope: Scope): { feed: ChangeFeed; tenant: string } {
  if (!context.caller.scopes.has(scope))
    throw feedError(`This API key lacks the ${scope} scope`, 'FORBIDDEN', 'forbidden');
  if (!context.feed)
    throw feedError('change events are not served by this process', 'NOT_AVAILABLE', 'not-supported');
  return { feed: context.feed, tenant: context.caller.tenant };
}

/** The subscription payload as the client gets it; RESYNC ends the stream as an error with its cursor. */
function deliver(message: FeedMessage): FeedMessage {
  if (message.kind === 'resync')
    throw feedError(
      'this subscriber fell too far behind and was closed: subscribe again with `after` set to the cursor given',
      'RESYNC',
      'transient',
      { cursor: message.cursor },
    );
  if (message.kind === 'expired')
    throw feedError(
      `${message.message}: the change log was pruned past this subscription while it caught up; resynchronise`,
      'CURSOR_EXPIRED',
      'not-found',
    );
  return message;
}

/**
 * The change feed's fields: `changes` and one typed subscription per seed trigger (generated from
 * the trigger data), and the `changeEvents`, `feedStatus` and `triggers` queries.
 */
export function addChangeFields(
  builder: GatewayBuilder,
  deps: { resourceInterface: AnyRef; triggers?: readonly TriggerDefinition[] },
): void {
  const types = addChangeTypes(builder, deps.resourceInterface);
  const triggers = deps.triggers ?? ALL_TRIGGERS;

  builder.subscriptionType({
    description: 'Gateway extension: resumable change subscriptions over SSE and WebSocket (graphql-ws).',
    fields: (t) => {
      const subscribe = (fixed: EventFilterInput | undefined) =>
        t.field({
          type: types.message,
          description: fixed
            ? `The \`changes\` subscription for trigger ${fixed.triggers?.[0]} (its filter fixed; yours narrows further).`
            : 'Every change of this tenant that passes `filter`, in commit order; heartbeats carry the resume cursor.',
          args: {
            after: t.arg.string({
              description:
                "Resume after this cursor (an event's or a heartbeat's); without it, live from now.",
            }),
            filter: t.arg({ type: types.filter }),
          },
          subscribe: async (
            _root: unknown,
            args: { after?: string | null; filter?: EventFilterInput | null },
            context: GatewayContext,
          ) => {
            const { feed, tenant } = feedFor(context, 'subscribe');
            const filter = { ...args.filter, ...fixed };
            try {
              return await feed.subscribe(tenant, { filter, after: args.after ?? null });
            } catch (err) {
              return asFeedError(err);
            }
          },
          resolve: (message: FeedMessage) => deliver(message) as never,
        } as never);
      const fields: Record<string, unknown> = { changes: subscribe(undefined) };
      for (const trigger of triggers)
        fields[triggerFieldName(trigger.id)] = subscribe({ triggers: [trigger.id] });
      return fields as never;
    },
  });

  builder.queryFields((t) => ({
    changeEvents: t.field({
      type: types.page,
      description:
        'Gateway extension: replays committed changes after `after` (from the oldest retained without it) up to `until`, a page at a time.',
      args: {
        after: t.arg.string(),
        until: t.arg.string({ description: 'Stop at this cursor (inclusive).' }),
        filter: t.arg({ type: types.filter }),
        first: t.arg.int({ description: 'Events per page (default 100, max 1000).' }),
      },
      resolve: async (_root: unknown, args: ReplayArgs, context: GatewayContext) => {
        const { feed, tenant } = feedFor(context, 'read');
        try {
          return await feed.replay(tenant, {
            after: args.after ?? null,
            until: args.until ?? null,
            filter: args.filter ?? null,
            first: args.first ?? null,
          });
        } catch (err) {
          return asFeedError(err);
        }
      },
    } as never),
    feedStatus: t.field({
      type: types.status,
      description:
        "Gateway extension: the change feed's high-water mark, oldest retained cursor, and per-connection lag and errors.",
      resolve: (_root: unknown, _args: unknown, context: GatewayContext) => {
        const { feed, tenant } = feedFor(context, 'read');
        return feed.status(tenant);
      },
    } as never),
    triggers: t.field({
      type: [types.trigger],
      nullable: false,
      description: 'Gateway extension: every seed trigger of the three sources and how to subscribe to it.',
      resolve: (_root: unknown, _args: unknown, context: GatewayContext) => {
        const { feed, tenant } = feedFor(context, 'read');
        return feed.triggers(tenant);
      },
    } as never),
  }));
}
