import type { Slice } from '../providers/call-log-provider.js';
import { DAY, HOUR } from '../common/time.js';

/**
 * Slice widths, narrowest first. Each divides the next and a day, so slices aligned to the UTC
 * epoch nest: a wider slice is exactly a run of narrower ones, and any query reuses the same units.
 */
export const SLICE_WIDTHS_MS = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR] as const;

/** A round never asks for more slices than this at once. */
export const MAX_SLICES_PER_ROUND = 8;

export type SortOrder = 'asc' | 'desc';

/**
 * The next slice when walking from `edge` in `order`: for `desc`, `edge` is the exclusive upper
 * bound of the time not yet fetched; for `asc`, its inclusive lower bound. The slice is the widest
 * one, at most `maxWidth` wide, that starts (asc) or ends (desc) exactly at the edge, so it never
 * covers fetched time again. An edge on no hour boundary (a window ending now, say) gets the hour
 * slice that contains it.
 */
export function nextSlice(edge: number, order: SortOrder, maxWidth: number): Slice {
  for (let level = SLICE_WIDTHS_MS.length - 1; level >= 0; level -= 1) {
    const width = SLICE_WIDTHS_MS[level];
    if (width <= maxWidth && edge % width === 0) {
      return order === 'desc' ? { from: edge - width, to: edge } : { from: edge, to: edge + width };
    }
  }
  const from = Math.floor((order === 'desc' ? edge - 1 : edge) / HOUR) * HOUR;
  return { from, to: from + HOUR };
}

/** Walks `[since, until)` from the end `order` starts at, one round of slices at a time. */
export class SlicePlan {
  private edge: number;
  private readonly start: number;

  constructor(
    private readonly since: number,
    private readonly until: number,
    private readonly order: SortOrder,
    start?: number,
  ) {
    this.start = start ?? (order === 'desc' ? until : since);
    this.edge = this.start;
  }

  get done(): boolean {
    return this.order === 'desc' ? this.edge <= this.since : this.edge >= this.until;
  }

  /** Where the slices so far end, within the window: where the next round starts. */
  get position(): number {
    return Math.min(Math.max(this.edge, this.since), this.until);
  }

  /** How much of the window the slices so far have covered, from where the walk started. */
  covered(): number {
    return Math.abs(this.start - this.position);
  }

  /**
   * The slices of the next round: the widest aligned slice at most twice as wide as `span` (one
   * wider request costs less than several narrow ones), then, only while they are whole days, more
   * of them until the round covers `span`, at most MAX_SLICES_PER_ROUND. Narrower slices never go
   * in parallel: alignment would cut the span into many small requests.
   */
  nextRound(span: number): Slice[] {
    const slices: Slice[] = [];
    let planned = 0;
    while (planned < span && !this.done && slices.length < MAX_SLICES_PER_ROUND) {
      const slice = nextSlice(this.edge, this.order, Math.max(2 * (span - planned), HOUR));
      if (slices.length > 0 && slice.to - slice.from < DAY) break;
      this.edge = this.order === 'desc' ? slice.from : slice.to;
      planned += slice.to - slice.from;
      slices.push(slice);
    }
    return slices;
  }
}
