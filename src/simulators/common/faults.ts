import type { Rng } from './rng.ts';

/**
 * Fault injection rates, each a probability in [0, 1] applied per request. Simulators read
 * `expiredToken` and `malformedRecord` themselves because their shapes are source-specific.
 */
export type FaultSettings = {
  rateLimited: number;
  /** With rateLimited: the share of injected 429s that omit Retry-After. */
  rateLimitedWithoutRetryAfter: number;
  serverError: number;
  /** The request hangs `timeoutMs` and then the socket is closed without an answer. */
  timeout: number;
  timeoutMs: number;
  /** The socket is destroyed before any byte of the answer. */
  droppedConnection: number;
  /**
   * The request is carried out (a write is applied) and then the socket is destroyed without an
   * answer: the client sees a failure although the source accepted it (idempotency tests).
   */
  lostResponse: number;
  expiredToken: number;
  malformedRecord: number;
};

export const noFaults: FaultSettings = {
  rateLimited: 0,
  rateLimitedWithoutRetryAfter: 0,
  serverError: 0,
  timeout: 0,
  timeoutMs: 30_000,
  droppedConnection: 0,
  lostResponse: 0,
  expiredToken: 0,
  malformedRecord: 0,
};

export type FaultInjector = {
  settings(): FaultSettings;
  update(patch: Partial<FaultSettings>): FaultSettings;
  /** Rolls the dice for one fault kind. */
  roll(kind: Exclude<keyof FaultSettings, 'timeoutMs'>): boolean;
};

export function createFaultInjector(rng: Rng, initial: Partial<FaultSettings> = {}): FaultInjector {
  let current: FaultSettings = validate({ ...noFaults, ...initial });
  return {
    settings: () => current,
    update(patch) {
      current = validate({ ...current, ...patch });
      return current;
    },
    roll(kind) {
      const p = current[kind];
      return p > 0 && rng.next() < p;
    },
  };
}

function validate(s: FaultSettings): FaultSettings {
  for (const [key, value] of Object.entries(s)) {
    if (typeof value !== 'number' || Number.isNaN(value))
      throw new Error(`fault setting ${key} must be a number`);
    if (key !== 'timeoutMs' && (value < 0 || value > 1))
      throw new Error(`fault setting ${key} must be in [0, 1]`);
  }
  return s;
}
