import type { Slice } from '../upstreams/call-log-provider.js';
import { DAY, HOUR } from './time.js';

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

/**
 * Walks `[since, until)` from the end `order` starts at, one round of slices at a time. Every
 * round moves the edge by at least one slice and never past the window, so a walk of any window
 * ends within as many rounds as it has hours, plus one.
 */
export class SlicePlan {
  private edge: number;
  private start: number;

  constructor(
    private readonly since: number,
    private readonly until: number,
    private readonly order: SortOrder,
    start?: number,
  ) {
    if (!Number.isSafeInteger(since) || !Number.isSafeInteger(until)) {
      throw new RangeError(`a window is two whole epoch milliseconds, not ${since}..${until}`);
    }
    const first = start ?? (order === 'desc' ? until : since);
    if (!Number.isSafeInteger(first)) throw new RangeError(`a walk cannot start at ${first}`);
    this.start = Math.min(Math.max(first, since), until);
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
   * Moves the walk on to `edge` when that lies further, skipping time nobody still walking needs;
   * the walk counts as starting there.
   */
  skipTo(edge: number): void {
    if (!Number.isSafeInteger(edge)) return;
    const further = this.order === 'desc' ? edge < this.edge : edge > this.edge;
    if (!further) return;
    this.edge = Math.min(Math.max(edge, this.since), this.until);
    this.start = this.edge;
  }

  /**
   * The slices of the next round: the widest aligned slice at most twice as wide as `span` (one
   * wider request costs less than several narrow ones), then, only while they are whole days, more
   * of them until the round covers `span`, at most MAX_SLICES_PER_ROUND. Narrower slices never go
   * in parallel: alignment would cut the span into many small requests. A round has one slice at
   * least, whatever `span` is, unless the walk is done.
   */
  nextRound(span: number): Slice[] {
    const slices: Slice[] = [];
    const wanted = Number.isFinite(span) ? span : HOUR;
    let planned = 0;
    while (
      !this.done &&
      slices.length < MAX_SLICES_PER_ROUND &&
      (slices.length === 0 || planned < wanted)
    ) {
      const slice = nextSlice(this.edge, this.order, Math.max(2 * (wanted - planned), HOUR));
      if (slices.length > 0 && slice.to - slice.from < DAY) break;
      this.edge = this.order === 'desc' ? slice.from : slice.to;
      planned += slice.to - slice.from;
      slices.push(slice);
    }
    return slices;
  }
}
