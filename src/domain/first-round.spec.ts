import { describe, expect, it } from '@jest/globals';
import { firstSlice } from './first-round.js';
import { countByHour, expectedIn } from './hour-counts.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

/** The same calls in every hour of [from, to). */
function flat(from: number, to: number, perHour: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let hour = from; hour < to; hour += HOUR) counts.set(hour, perHour);
  return counts;
}

describe('countByHour', () => {
  it('counts every whole past hour of a slice, quiet ones as zero, and no cut hour', () => {
    const slice = { from: t('2026-11-18T00:00Z'), to: t('2026-11-18T06:00Z') };
    const starts = [
      t('2026-11-18T00:10Z'),
      t('2026-11-18T00:59Z'),
      t('2026-11-18T02:00Z'),
      t('2026-11-18T04:30Z'),
    ];
    // At 04:20 the hour 04:00 is not over: its count would fall short.
    const counts = countByHour(slice, starts, t('2026-11-18T04:20Z'));
    expect([...counts].map(([hour, calls]) => [iso(hour), calls])).toEqual([
      ['2026-11-18T00:00', 2],
      ['2026-11-18T01:00', 0],
      ['2026-11-18T02:00', 1],
      ['2026-11-18T03:00', 0],
    ]);
    const ragged = { from: t('2026-11-18T00:30Z'), to: t('2026-11-18T02:10Z') };
    expect([...countByHour(ragged, starts, t('2026-11-19T00:00Z')).keys()].map(iso)).toEqual([
      '2026-11-18T01:00',
    ]);
  });
});

describe('expectedIn', () => {
  it('shares an hour by the time a range overlaps it, and stands in for an unknown hour', () => {
    const day = t('2026-11-18T00:00Z');
    const counts = new Map([
      [day, 60],
      [day + HOUR, 120],
      [day + 5 * HOUR - 7 * DAY, 30],
    ]);
    expect(expectedIn(counts, day + 30 * 60_000, day + 90 * 60_000)).toBe(90);
    // The present hour, not yet counted, is taken to be like the one before.
    expect(expectedIn(counts, day + 2 * HOUR, day + 2 * HOUR + 15 * 60_000)).toBe(30);
    expect(expectedIn(counts, day + 5 * HOUR, day + 6 * HOUR)).toBe(30);
    expect(expectedIn(counts, day + 10 * HOUR, day + 11 * HOUR)).toBeUndefined();
  });
});

describe('firstSlice', () => {
  const window = { since: t('2026-11-17T06:00Z'), until: t('2026-11-18T06:00Z') };
  const edge = window.until;

  it('takes 5 minutes of a dense hour: one upstream page each, enough for the page', () => {
    const dense = [
      flat(window.since - 8 * DAY, edge, 1_300),
      flat(window.since - 8 * DAY, edge, 1_000),
    ];
    const slice = firstSlice(window, edge, 'desc', 51, dense);
    expect(slice).toEqual({ from: edge - 5 * 60_000, to: edge });
    // A larger page needs more time: an hour holds 2,300 calls, 15 minutes 575.
    expect(firstSlice(window, edge, 'desc', 501, dense)).toEqual({ from: edge - HOUR, to: edge });
  });

  it('takes the rest of a quiet window in one slice', () => {
    const quiet = [flat(window.since - 8 * DAY, edge, 1), flat(window.since - 8 * DAY, edge, 1)];
    const slice = firstSlice(window, edge, 'desc', 51, quiet);
    expect(slice).toEqual({ from: window.since, to: edge });
    const asc = firstSlice(window, window.since, 'asc', 51, quiet);
    expect(asc).toEqual({ from: window.since, to: edge });
  });

  it('takes whole hours from a ragged edge until the calls are enough', () => {
    const counts = [flat(window.since - 8 * DAY, edge, 10), flat(window.since - 8 * DAY, edge, 10)];
    const at = t('2026-11-18T03:20Z');
    // 20 an hour in all: 51 * 1.25 calls are 3 h 11 min, the 20 minutes before the edge first.
    expect(firstSlice(window, at, 'desc', 51, counts)).toEqual({
      from: t('2026-11-18T00:00Z'),
      to: t('2026-11-18T04:00Z'),
    });
  });

  it('stops where the counts stop knowing, and knows nothing without counts at the edge', () => {
    // An hour next to a known one is taken to be like it.
    const known = flat(edge - 3 * HOUR, edge, 2);
    expect(firstSlice(window, edge, 'desc', 51, [known, known])).toEqual({
      from: edge - 4 * HOUR,
      to: edge,
    });
    expect(firstSlice(window, edge, 'desc', 51, [known, new Map()])).toBeNull();
    expect(firstSlice(window, edge, 'desc', 51, [])).toBeNull();
  });
});
