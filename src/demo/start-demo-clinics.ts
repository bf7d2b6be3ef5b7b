import { SIMULATORS, type SimulatorSource } from '../simulators/registry.ts';
import type { RunningSimulator } from '../simulators/types.ts';

/** What demo mode runs: one Jane clinic, one DrChrono practice, one Epic organisation. */
export const DEMO_CLINICS: ReadonlyArray<{ source: SimulatorSource; seed: number; patients: number }> = [
  { source: 'jane', seed: 101, patients: 300 },
  { source: 'drchrono', seed: 202, patients: 300 },
  { source: 'epic', seed: 303, patients: 300 },
];

/**
 * Starts the simulated clinics in-process, seeded deterministically and ticking, so a
 * gateway started with no configuration has live data to show.
 */
export async function startDemoClinics(options: { tickEveryMs: number }): Promise<RunningSimulator[]> {
  const started: RunningSimulator[] = [];
  try {
    for (const clinic of DEMO_CLINICS) {
      started.push(
        await SIMULATORS[clinic.source]({
          seed: clinic.seed,
          patients: clinic.patients,
          tickEveryMs: options.tickEveryMs,
        }),
      );
    }
    return started;
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
}
