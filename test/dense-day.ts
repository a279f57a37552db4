import { type Simulators, TestClock, startSimulators } from './utils.js';

/** A busy contact centre: about 25,000 calls on a working day, half at each provider. */
export const DENSE_CALLS_PER_DAY = 12_500;

/** Where the dense data set's busy day ends: a Wednesday, 18:00 UTC. */
export const DENSE_DAY_END = Date.parse('2026-11-18T18:00:00Z');

/** Simulators serving the dense data set, their clock pinned to the end of its busy day. */
export function denseSimulators(): Promise<Simulators> {
  return startSimulators({
    seed: 7,
    clock: new TestClock(DENSE_DAY_END),
    dataset: { days: 2, callsPerDay: DENSE_CALLS_PER_DAY },
  });
}
