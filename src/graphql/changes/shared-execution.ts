import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  getOperationAST,
  Kind,
  print,
  visit,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Caller } from '../../auth/scopes.ts';
import type { FeedEvent, FeedMessage, FeedSubscription } from '../../events/change-subscription.ts';
import { type Frame, type FrameBatch, frameBatch } from './frame-batch.ts';

/** What a member's stream yields: frames shared with its group, or a result of its own (heartbeat, error). */
export type MemberItem = ExecutionResult | FrameBatch;

export type ChangeFanoutStats = {
  /** GraphQL executions of an event for a group (one per event per group, not per subscriber). */
  readonly eventExecutions: number;
  readonly groups: number;
  readonly members: number;
};

export type ChangeFanout = {
  /** The yoga plugin: subscriptions run through the shared execution below. */
  readonly plugin: Plugin;
  /** graphql-js `subscribe` with the sharing (what the plugin installs). */
  subscribe(args: ExecutionArgs): Promise<ExecutionResult | AsyncIterableIterator<MemberItem>>;
  stats(): ChangeFanoutStats;
};

type Outcome = { readonly frame: Frame } | { readonly result: ExecutionResult };
/** An event's outcome for a group: `settled` once known, so members behind the first need not await it. */
type Shared = { readonly outcome: Promise<Outcome>; settled?: Outcome };
type Group = {
  readonly key: string;
  /** The first member's execution arguments: same tenant, scopes, document and variables as every member's. */
  readonly args: ExecutionArgs;
  members: number;
  /** Recent events' outcomes by seq: members a little behind the first find theirs here. */
  readonly outcomes: Map<number, Shared>;
};

/** Outcomes a group keeps: a member further behind than this executes again (correct, just not shared). */
const OUTCOMES_PER_GROUP = 2_048;

/**
 * Subscription fan-out shared across subscribers. Subscriptions with the same tenant, API-key
 * scopes, document, operation name and variables form a group; an event is executed and
 * serialized once per group and every member gets the same bytes (`FrameBatch`). Each member keeps
 * its own source stream (its cursor, catch-up, bounded buffer, RESYNC and heartbeats stay its own),
 * so a slow member never holds up the others: it finds the outcome cached, or executes it again.
 * Heartbeats and errors are executed per member and go through yoga's usual result path (masking).
 */
export function createChangeFanout(): ChangeFanout {
  const groups = new Map<string, Group>();
  const documents = new WeakMap<DocumentNode, string>();
  let eventExecutions = 0;
  let members = 0;

  const textOf = (document: DocumentNode) => {
    let text = documents.get(document);
    if (text === undefined) {
      text = print(document);
      documents.set(document, text);
    }
    return text;
  };
  const positionOnly = new WeakMap<DocumentNode, Map<string | null, string | undefined>>();
  /**
   * The variable that only sets the root field's `after` (undefined when there is none): where a
   * member starts changes nothing in how an event is executed, so members resuming from different
   * cursors (every client after a RESYNC) still share a group.
   */
  const afterVariable = (document: DocumentNode, operationName: string | null): string | undefined => {
    let byOperation = positionOnly.get(document);
    if (!byOperation) {
      byOperation = new Map();
      positionOnly.set(document, byOperation);
    }
    if (byOperation.has(operationName)) return byOperation.get(operationName);
    const operation = getOperationAST(document, operationName);
    const root = operation?.selectionSet.selections[0];
    const after =
      root?.kind === Kind.FIELD ? root.arguments?.find((a) => a.name.value === 'after')?.value : undefined;
    let name = after?.kind === Kind.VARIABLE ? after.name.value : undefined;
    if (name !== undefined) {
      let uses = 0;
      visit(document, {
        VariableDefinition: () => false,
        Variable: (node) => {
          if (node.name.value === name) uses++;
        },
      });
      if (uses !== 1 || (operation?.selectionSet.selections.length ?? 0) !== 1) name = undefined;
    }
    byOperation.set(operationName, name);
    return name;
  };
  const groupKey = (args: ExecutionArgs): string | undefined => {
    const caller = (args.contextValue as { caller?: Caller } | undefined)?.caller;
    if (!caller) return undefined;
    const operationName = args.operationName ?? null;
    const skip = afterVariable(args.document, operationName);
    const variables = Object.entries(args.variableValues ?? {}).filter(([name]) => name !== skip);
    return JSON.stringify([
      caller.tenant,
      [...caller.scopes].sort(),
      operationName,
      variables,
      textOf(args.document),
    ]);
  };
  const join = (args: ExecutionArgs): Group | undefined => {
    const key = groupKey(args);
    if (key === undefined) return undefined;
    let group = groups.get(key);
    if (!group) {
      group = { key, args, members: 0, outcomes: new Map() };
      groups.set(key, group);
    }
    group.members++;
    members++;
    return group;
  };
  const leave = (group: Group) => {
    group.members--;
    members--;
    if (group.members === 0 && groups.get(group.key) === group) groups.delete(group.key);
  };

  const run = async (args: ExecutionArgs, message: FeedMessage): Promise<ExecutionResult> =>
    (await execute({ ...args, rootValue: message })) as ExecutionResult;
  const outcomeOf = (group: Group, event: FeedEvent): Outcome | Promise<Outcome> => {
    const seq = event.change.seq;
    const hit = group.outcomes.get(seq);
    if (hit) return hit.settled ?? hit.outcome;
    eventExecutions++;
    const shared: Shared = {
      outcome: run(group.args, event).then((result): Outcome => {
        const outcome = result.errors?.length ? { result } : { frame: { json: JSON.stringify(result) } };
        shared.settled = outcome;
        return outcome;
      }),
    };
    if (group.outcomes.size >= OUTCOMES_PER_GROUP)
      group.outcomes.delete(group.outcomes.keys().next().value as number);
    group.outcomes.set(seq, shared);
    return shared.outcome;
  };

  /** One member's results: its own source stream, events executed through its group. */
  const memberStream = (
    args: ExecutionArgs,
    source: AsyncIterator<unknown> & Partial<Pick<FeedSubscription, 'nextBatch'>>,
  ): AsyncIterableIterator<MemberItem> => {
    const group = join(args);
    const pending: MemberItem[] = [];
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (group) leave(group);
    };
    const nextBatch = async (): Promise<IteratorResult<readonly unknown[]>> => {
      if (source.nextBatch) return source.nextBatch();
      const result = await source.next();
      return result.done ? { done: true, value: undefined } : { done: false, value: [result.value] };
    };
    const fill = async () => {
      const result = await nextBatch();
      if (result.done) return finish();
      const messages = result.value as readonly FeedMessage[];
      const parts = messages.map((m): Outcome | Promise<Outcome> =>
        group && m.kind === 'event' ? outcomeOf(group, m) : run(args, m).then((r) => ({ result: r })),
      );
      // Members behind the first find every outcome settled: no await per event for them.
      const outcomes = parts.some((p) => p instanceof Promise)
        ? await Promise.all(parts)
        : (parts as Outcome[]);
      let frames: Frame[] = [];
      for (const outcome of outcomes) {
        if ('frame' in outcome) {
          frames.push(outcome.frame);
          continue;
        }
        if (frames.length > 0) pending.push(frameBatch(frames));
        frames = [];
        pending.push(outcome.result);
      }
      if (frames.length > 0) pending.push(frameBatch(frames));
    };
    const iterator: AsyncIterableIterator<MemberItem> = {
      async next() {
        while (pending.length === 0 && !finished) await fill();
        const item = pending.shift();
        return item === undefined ? { done: true, value: undefined } : { done: false, value: item };
      },
      async return() {
        finish();
        pending.length = 0;
        await source.return?.();
        return { done: true, value: undefined };
      },
      async throw(error?: unknown) {
        finish();
        await source.return?.();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  };

  const subscribe = async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    return memberStream(args, (source as AsyncIterable<unknown>)[Symbol.asyncIterator]());
  };

  return {
    subscribe,
    plugin: {
      onSubscribe({ setSubscribeFn }) {
        setSubscribeFn(subscribe as never);
      },
    },
    stats: () => ({ eventExecutions, groups: groups.size, members }),
  };
}
