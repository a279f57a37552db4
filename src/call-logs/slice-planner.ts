import type { Slice } from '../providers/call-log-provider.js';

const HOUR = 3_600_000;

/**
 * Slice widths, narrowest first. Each divides the next and a day, so slices aligned to the UTC
 * epoch nest: a wider slice is exactly a run of narrower ones, and any query reuses the same units.
 */
export const SLICE_WIDTHS_MS = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR] as const;
export const WIDEST_LEVEL = SLICE_WIDTHS_MS.length - 1;

export type SortOrder = 'asc' | 'desc';

/**
 * The next slice when walking from `edge` in `order`: for `desc`, `edge` is the exclusive upper
 * bound of the time not yet fetched; for `asc`, its inclusive lower bound. The slice is the widest
 * one, at most `SLICE_WIDTHS_MS[level]` wide, that starts (asc) or ends (desc) exactly at the
 * edge, so it never covers fetched time again. An edge on no hour boundary (a window ending
 * now, say) gets the hour slice that contains it.
 */
export function nextSlice(edge: number, order: SortOrder, level: number): Slice {
  for (let l = Math.min(level, WIDEST_LEVEL); l >= 0; l -= 1) {
    const width = SLICE_WIDTHS_MS[l];
    if (edge % width === 0) {
      return order === 'desc' ? { from: edge - width, to: edge } : { from: edge, to: edge + width };
    }
  }
  const from = Math.floor((order === 'desc' ? edge - 1 : edge) / HOUR) * HOUR;
  return { from, to: from + HOUR };
}

/**
 * Walks `[since, until)` slice by slice from the end `order` starts at. `widen()` moves the walk
 * one level wider for the slices after it; the caller calls it when slices come back sparse.
 */
export class SlicePlan {
  private edge: number;
  private level = 0;

  constructor(
    private readonly since: number,
    private readonly until: number,
    private readonly order: SortOrder,
    start?: number,
  ) {
    this.edge = start ?? (order === 'desc' ? until : since);
  }

  get done(): boolean {
    return this.order === 'desc' ? this.edge <= this.since : this.edge >= this.until;
  }

  next(): Slice | null {
    if (this.done) return null;
    const slice = nextSlice(this.edge, this.order, this.level);
    this.edge = this.order === 'desc' ? slice.from : slice.to;
    return slice;
  }

  widen(): void {
    this.level = Math.min(this.level + 1, WIDEST_LEVEL);
  }
}
