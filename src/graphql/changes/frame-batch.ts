/**
 * Events already executed and serialized for a whole group of identical subscriptions: each frame
 * is the JSON text of one `{"data": …}` result, the same bytes for every member. The transports
 * write a batch at once (one SSE chunk; one corked run of graphql-ws `next` messages with the
 * member's own subscription id) instead of serializing each result per subscriber.
 */
export type FrameBatch = { readonly [FRAMES]: true; readonly frames: readonly Frame[] };

/** One event's result as JSON text, shared by a group; `sse` caches its SSE bytes once encoded. */
export type Frame = { readonly json: string; sse?: Uint8Array };

const FRAMES: unique symbol = Symbol('frame batch');

export function frameBatch(frames: readonly Frame[]): FrameBatch {
  return { [FRAMES]: true, frames };
}

export function isFrameBatch(value: unknown): value is FrameBatch {
  return typeof value === 'object' && value !== null && FRAMES in value;
}
