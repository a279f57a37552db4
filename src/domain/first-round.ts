import { type HourCounts, expectedIn } from './hour-counts.js';
import { FINE_WIDTHS_MS, type Slice, type SortOrder } from './slice.js';
import { HOUR } from './time.js';

/** The calls a first round aims at, against the records the page needs: counts are estimates. */
const MARGIN = 1.25;
/** A first round looks no further than a month of hours. */
const MAX_HOURS = 31 * 24;

/**
 * The first round of a walk, as one slice, from the calls an hour each provider still walking had
 * before: the narrowest slice from the edge that the counts say holds `wanted` records in all, or,
 * when none short of it does, the rest of the window. One slice costs each provider one upstream
 * request while it holds no more than a page, and the rest of a quiet window costs exactly what
 * fetching the window whole does. Where the counts stop knowing, the widest slice known to fall
 * short; null when they know nothing next to the edge, and the walk starts as it would without.
 *
 * The slices narrowest first: 5 and 15 minutes, then whole hours from the one that holds the edge.
 * Each ends on an hour boundary or a fine one, so the rounds after it join it exactly.
 */
export function firstSlice(
  window: { since: number; until: number },
  edge: number,
  order: SortOrder,
  wanted: number,
  providers: readonly HourCounts[],
): Slice | null {
  if (providers.length === 0) return null;
  const desc = order === 'desc';
  const near = desc ? edge - 1 : edge;
  const hour = Math.floor(near / HOUR) * HOUR;
  const candidates = function* (): Generator<Slice> {
    for (const width of FINE_WIDTHS_MS) {
      const from = Math.floor(near / width) * width;
      yield { from, to: from + width };
    }
    for (let hours = 1; hours <= MAX_HOURS; hours += 1) {
      yield desc
        ? { from: hour - (hours - 1) * HOUR, to: hour + HOUR }
        : { from: hour, to: hour + hours * HOUR };
    }
  };
  let known: Slice | null = null;
  for (const slice of candidates()) {
    const from = desc ? Math.max(slice.from, window.since) : Math.max(slice.from, edge);
    const to = desc ? Math.min(slice.to, edge) : Math.min(slice.to, window.until);
    const expected = providers.map((counts) => expectedIn(counts, from, to));
    if (expected.some((calls) => calls === undefined)) return known;
    known = slice;
    const calls = (expected as number[]).reduce((sum, n) => sum + n, 0);
    const reachesEnd = desc ? slice.from <= window.since : slice.to >= window.until;
    if (calls >= wanted * MARGIN || reachesEnd) return slice;
  }
  return known;
}
