import { HOUR } from './time.js';

/** A half-open time range `[from, to)` in epoch milliseconds, aligned by the slice planner. */
export interface Slice {
  from: number;
  to: number;
}

/**
 * Slice widths, narrowest first. Each divides the next and a day, so slices aligned to the UTC
 * epoch nest: a wider slice is exactly a run of narrower ones, and any query reuses the same units.
 */
export const SLICE_WIDTHS_MS = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR] as const;

/**
 * Narrower widths for a dense first round, where an hour holds many upstream pages of calls. They
 * divide an hour, so a walk climbs back to the hour slices in one round; the cache composes only
 * from the planner widths above.
 */
export const FINE_WIDTHS_MS = [5 * 60_000, 15 * 60_000] as const;

export type SortOrder = 'asc' | 'desc';

/**
 * The next slice when walking from `edge` in `order`: for `desc`, `edge` is the exclusive upper
 * bound of the time not yet fetched; for `asc`, its inclusive lower bound. The slice is the widest
 * one, at most `maxWidth` wide, that starts (asc) or ends (desc) exactly at the edge, so it never
 * covers fetched time again. With `fine`, where the edge is where an earlier slice ended, an edge
 * on no hour boundary gets the widest fine slice that ends (or starts) there; else, an edge on no
 * hour boundary (a window ending now, say) gets the hour slice that contains it.
 */
export function nextSlice(edge: number, order: SortOrder, maxWidth: number, fine = false): Slice {
  const widths = fine ? [...FINE_WIDTHS_MS, ...SLICE_WIDTHS_MS] : SLICE_WIDTHS_MS;
  for (let level = widths.length - 1; level >= 0; level -= 1) {
    const width = widths[level];
    if ((width <= maxWidth || width < HOUR) && edge % width === 0) {
      return order === 'desc' ? { from: edge - width, to: edge } : { from: edge, to: edge + width };
    }
  }
  const from = Math.floor((order === 'desc' ? edge - 1 : edge) / HOUR) * HOUR;
  return { from, to: from + HOUR };
}

/** The aligned slices of the planner's widths that `slice` lies inside, narrowest first. */
export function widerThan(slice: Slice): Slice[] {
  return SLICE_WIDTHS_MS.filter((width) => width > slice.to - slice.from).flatMap((width) => {
    const from = Math.floor(slice.from / width) * width;
    return from + width >= slice.to ? [{ from, to: from + width }] : [];
  });
}

/** The aligned slices one planner width narrower that tile `slice`; none for the narrowest. */
export function childrenOf(slice: Slice): Slice[] {
  const level = SLICE_WIDTHS_MS.findIndex((width) => width === slice.to - slice.from);
  if (level <= 0) return [];
  const width = SLICE_WIDTHS_MS[level - 1];
  const children: Slice[] = [];
  for (let from = slice.from; from < slice.to; from += width)
    children.push({ from, to: from + width });
  return children;
}

/** Every slice of the planner's widths inside `slice`, down to the narrowest. */
export function narrowerThan(slice: Slice): Slice[] {
  return childrenOf(slice).flatMap((child) => [child, ...narrowerThan(child)]);
}

/**
 * The fresh slices that hold `slice`: a wider one it lies inside, or narrower ones that tile it,
 * each of them fresh itself or tiled by its own children; null when no fresh slices do.
 */
export function coveringSlices(slice: Slice, isFresh: (part: Slice) => boolean): Slice[] | null {
  const outer = widerThan(slice).find(isFresh);
  if (outer !== undefined) return [outer];
  const byChildren = (part: Slice): Slice[] | null => {
    const children = childrenOf(part);
    const tiles = children.map((child) => (isFresh(child) ? [child] : byChildren(child)));
    return children.length > 0 && tiles.every((t) => t !== null) ? tiles.flat() : null;
  };
  return byChildren(slice);
}

/**
 * The slices of the planner's widths that tile `slice`, each the widest its start's alignment
 * allows: the slice itself when it is one; null when its bounds are not whole hours.
 */
export function tilesOf(slice: Slice): Slice[] | null {
  if (slice.from % HOUR !== 0 || slice.to % HOUR !== 0) return null;
  const tiles: Slice[] = [];
  for (let at = slice.from; at < slice.to;) {
    const width = [...SLICE_WIDTHS_MS]
      .reverse()
      .find((w) => at % w === 0 && at + w <= slice.to) as number;
    tiles.push({ from: at, to: at + width });
    at += width;
  }
  return tiles;
}
