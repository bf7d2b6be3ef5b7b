import type { Clock } from './common/clock.ts';
import type { RequestCounters } from './common/counters.ts';
import type { FaultInjector, FaultSettings } from './common/faults.ts';
import type { RunningServer } from './common/http-server.ts';

/** Options every simulator accepts. */
export type SimulatorOptions = {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Seed of the deterministic synthetic generator. */
  seed?: number;
  /** How many patients to generate (other record counts scale from it). */
  patients?: number;
  /** Native records to load instead of / in addition to generated ones (parsed seed file). */
  seedRecords?: unknown;
  /** Turn rate limits off (benchmarks). Defaults to on, as the real API. */
  rateLimits?: boolean;
  faults?: Partial<FaultSettings>;
  clock?: Clock;
  /** Milliseconds between automatic ticks; 0/undefined = no timer (tests call tick()). */
  tickEveryMs?: number;
};

/** What a started simulator gives its caller (tests, demo, benchmarks). */
export type RunningSimulator = RunningServer & {
  source: 'jane' | 'drchrono' | 'epic';
  counters: RequestCounters;
  faults: FaultInjector;
  tick(count: number): { created: number; updated: number };
};
