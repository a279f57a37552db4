import type { Slice } from './slice.js';
import { DAY, HOUR } from './time.js';

/** Calls an hour: the hour's start (epoch ms, a whole UTC hour) to the calls that started in it. */
export type HourCounts = ReadonlyMap<number, number>;

/**
 * The calls of every hour that `slice` holds whole and that had ended by `now`, from the start
 * times of every record of the slice: an hour cut by the slice or by the present would count short.
 */
export function countByHour(slice: Slice, startTimes: readonly number[], now: number): HourCounts {
  const counts = new Map<number, number>();
  const end = Math.min(slice.to, Math.floor(now / HOUR) * HOUR);
  for (let hour = Math.ceil(slice.from / HOUR) * HOUR; hour + HOUR <= end; hour += HOUR)
    counts.set(hour, 0);
  for (const at of startTimes) {
    const hour = Math.floor(at / HOUR) * HOUR;
    const calls = counts.get(hour);
    if (calls !== undefined) counts.set(hour, calls + 1);
  }
  return counts;
}

/**
 * The calls an hour is expected to hold: its own count, else its neighbours' (the present hour,
 * never counted whole, is much like the one before), else the same hour a week or a day before.
 */
export function expectedCalls(counts: HourCounts, hour: number): number | undefined {
  for (const other of [hour, hour - HOUR, hour + HOUR, hour - 7 * DAY, hour - DAY]) {
    const calls = counts.get(other);
    if (calls !== undefined) return calls;
  }
  return undefined;
}

/** The calls expected in [from, to), each hour's share by the time it overlaps; undefined when an hour is unknown. */
export function expectedIn(counts: HourCounts, from: number, to: number): number | undefined {
  let total = 0;
  for (let hour = Math.floor(from / HOUR) * HOUR; hour < to; hour += HOUR) {
    const calls = expectedCalls(counts, hour);
    if (calls === undefined) return undefined;
    total += (calls * (Math.min(to, hour + HOUR) - Math.max(from, hour))) / HOUR;
  }
  return total;
}
