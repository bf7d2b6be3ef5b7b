import { describe, expect, it } from 'vitest';
import { DRCHRONO_CATALOG } from '../connectors/drchrono/catalog.ts';
import { DRCHRONO_BUDGET } from '../connectors/drchrono/config.ts';
import { type PlannedRow, planRun } from './poll-plan.ts';
import { DEFAULT_CADENCE } from './sync-engine.ts';

const HOUR = 3_600_000;
const RUN_EVERY = 300_000; // DrChrono's default cadence, every 5 min
const LIMIT = DRCHRONO_BUDGET[0].limit;

/** The rows a DrChrono run considers: every row that is polled on its own. */
const polled = DRCHRONO_CATALOG.filter((r) => r.polledBy === undefined);

/**
 * Requests per poll in steady state for a 2,000-patient practice (the simulator's volumes): an
 * every-run row reads one page (appointments, verbose pages of 25: two); a chart full scan reads
 * its whole collection in pages of 250; a chart `since` row one page.
 */
const PRACTICE_2000: Readonly<Record<string, number>> = {
  appointments: 2,
  problems: 10,
  medications: 12,
  allergies: 5,
  procedures: 16,
  lab_tests: 5,
  lab_results: 5,
  care_plans: 4,
  care_team_members: 2,
  eobs: 4,
  eligibility_checks: 7,
  signed_consent_forms: 2,
  patient_communications: 1,
  patient_interventions: 1,
  patient_physical_exams: 1,
  patient_risk_assessments: 1,
  patient_lab_results: 1,
};

type Simulation = {
  /** Requests per clock hour, in order. */
  hourly: number[];
  /** Run times at which each row was polled. */
  polls: Map<string, number[]>;
  runs: number;
};

/**
 * Plans `hours` of runs at the default cadence from the top of an hour, every row already
 * backfilled an hour before: each run's plan is "spent" at the run time (what the budget counts),
 * and the rows it polled carry their cost and poll time into the next plan.
 */
function simulate(costs: (key: string) => number, hours: number, rows = polled): Simulation {
  const start = 100 * HOUR;
  const state = new Map<string, PlannedRow>(
    rows.map((r) => [
      r.key,
      { key: r.key, pollEveryMs: r.pollEveryMs, lastPolledAt: start - HOUR, lastRequests: costs(r.key) },
    ]),
  );
  const hourly = Array.from({ length: hours }, () => 0);
  const polls = new Map<string, number[]>(rows.map((r) => [r.key, []]));
  let runs = 0;
  for (let now = start; now < start + hours * HOUR; now += RUN_EVERY) {
    const hour = Math.floor((now - start) / HOUR);
    const plan = planRun({
      now,
      rows: [...state.values()],
      budget: { used: hourly[hour] ?? 0, limit: LIMIT, windowMs: HOUR },
      runIntervalMs: RUN_EVERY,
    });
    runs++;
    for (const key of plan.poll) {
      hourly[hour] = (hourly[hour] ?? 0) + costs(key);
      polls.get(key)?.push(now);
      const row = state.get(key);
      if (row) state.set(key, { ...row, lastPolledAt: now });
    }
  }
  return { hourly, polls, runs };
}

const isPaced = (key: string) => polled.find((r) => r.key === key)?.pollEveryMs !== undefined;
const everyMs = (key: string) => polled.find((r) => r.key === key)?.pollEveryMs ?? 0;

describe('poll plan (DrChrono, 490 requests per clock hour)', () => {
  it('is planned for the default cadence of 5 minutes', () => {
    expect(DEFAULT_CADENCE.drchrono).toBe('0 */5 * * * *');
    expect(DRCHRONO_BUDGET[0]).toMatchObject({ name: 'app-hour', limit: 490, windowMs: HOUR, kind: 'fixed' });
  });

  it('paces every chart row, and only them: no trigger row is paced', () => {
    const chart = polled.filter((r) => r.pollEveryMs !== undefined);
    expect(chart.length).toBeGreaterThanOrEqual(22);
    for (const r of chart) expect(r.triggers, r.key).toEqual([]);
  });

  it('keeps a 2,000-patient practice within 490 an hour, polls every trigger row every run and every chart row on its cadence', () => {
    const sim = simulate((key) => PRACTICE_2000[key] ?? 1, 3);
    for (const used of sim.hourly) expect(used).toBeLessThanOrEqual(LIMIT);
    // What docs/sync.md gives: every-run rows 12 runs × 27 = 324; chart and configuration rows:
    // 3 `since` rows × 4 + hourly scans 89 = 101; 65 spare.
    expect(sim.hourly).toEqual([425, 425, 425]);
    for (const r of polled) {
      const times = sim.polls.get(r.key) ?? [];
      if (!isPaced(r.key)) {
        expect(times, r.key).toHaveLength(sim.runs);
        continue;
      }
      // Each poll comes at most one run after the row fell due: the worst-case latency docs/sync.md gives.
      expect(times.length, r.key).toBeGreaterThanOrEqual(
        Math.floor((3 * HOUR) / (everyMs(r.key) + RUN_EVERY)),
      );
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
      for (const gap of gaps) expect(gap, r.key).toBeLessThanOrEqual(everyMs(r.key) + RUN_EVERY);
    }
  });

  it('under a practice ten times larger keeps every trigger row every run, stays within the budget, and starves no chart row', () => {
    const sim = simulate(
      (key) => (isPaced(key) ? 10 * (PRACTICE_2000[key] ?? 1) : (PRACTICE_2000[key] ?? 1)),
      8,
    );
    for (const used of sim.hourly) expect(used).toBeLessThanOrEqual(LIMIT);
    for (const r of polled) {
      const times = sim.polls.get(r.key) ?? [];
      if (!isPaced(r.key)) expect(times, r.key).toHaveLength(sim.runs);
      // Not every hour (the spare does not cover them all), but most overdue first: each one comes.
      else expect(times.length, r.key).toBeGreaterThan(0);
    }
    // The spare did not cover every scan every hour: some were deferred.
    const hourlyScans = polled.filter((r) => r.pollEveryMs === HOUR);
    expect(hourlyScans.some((r) => (sim.polls.get(r.key)?.length ?? 0) < 8)).toBe(true);
  });

  it('defers a row larger than the window spare, and does not let it block the others', () => {
    const rows: PlannedRow[] = [
      { key: 'patients', lastRequests: 30 },
      { key: 'huge', pollEveryMs: HOUR, lastPolledAt: 0, lastRequests: 200 },
      { key: 'small', pollEveryMs: HOUR, lastPolledAt: HOUR, lastRequests: 2 },
    ];
    // At the top of hour 10: 12 runs × 30 = 360 reserved, 130 spare.
    const plan = planRun({
      now: 10 * HOUR,
      rows,
      budget: { used: 0, limit: LIMIT, windowMs: HOUR },
      runIntervalMs: RUN_EVERY,
    });
    expect([...plan.poll].sort()).toEqual(['patients', 'small']);
    expect(plan.deferred).toEqual(['huge']);
    expect(plan.reserved).toBe(360);
    expect(plan.expectedRequests).toBe(32);
  });

  it('backfills a never-polled row even without spare, and polls nothing paced that is not due', () => {
    const rows: PlannedRow[] = [
      { key: 'patients', lastRequests: 40 },
      { key: 'fresh', pollEveryMs: HOUR, backfilling: true },
      { key: 'recent', pollEveryMs: HOUR, lastPolledAt: 10 * HOUR - 60_000, lastRequests: 1 },
    ];
    const plan = planRun({
      now: 10 * HOUR,
      rows,
      budget: { used: 480, limit: LIMIT, windowMs: HOUR },
      runIntervalMs: RUN_EVERY,
    });
    expect([...plan.poll].sort()).toEqual(['fresh', 'patients']);
    expect(plan.deferred).toEqual([]);
  });

  it('polls every due row when the source has no budget window to pace by', () => {
    const plan = planRun({
      now: 10 * HOUR,
      rows: [{ key: 'a' }, { key: 'b', pollEveryMs: HOUR, lastPolledAt: 8 * HOUR, lastRequests: 5000 }],
      runIntervalMs: RUN_EVERY,
    });
    expect([...plan.poll].sort()).toEqual(['a', 'b']);
  });
});
