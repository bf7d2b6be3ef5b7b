import { startDrChronoSimulator } from './drchrono/index.ts';
import { startEpicSimulator } from './epic/index.ts';
import { startJaneSimulator } from './jane/index.ts';
import type { RunningSimulator, SimulatorOptions } from './types.ts';

/** The simulators by source name; the CLI and the demo start them through this table. */
export const SIMULATORS: Readonly<
  Record<RunningSimulator['source'], (o: SimulatorOptions) => Promise<RunningSimulator>>
> = {
  jane: startJaneSimulator,
  drchrono: startDrChronoSimulator,
  epic: startEpicSimulator,
};

export type SimulatorSource = keyof typeof SIMULATORS;

export function isSimulatorSource(name: string): name is SimulatorSource {
  return Object.hasOwn(SIMULATORS, name);
}
