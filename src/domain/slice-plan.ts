import { DAY, HOUR } from './time.js';
import { FINE_WIDTHS_MS, type Slice, type SortOrder, nextSlice } from './slice.js';

/** A round never asks for more slices than this at once. */
export const MAX_SLICES_PER_ROUND = 8;

/** Read-ahead never plans more slices than this at once. */
const MAX_SLICES_AHEAD = 32;

/**
 * Walks `[since, until)` from the end `order` starts at, one round of slices at a time. Every
 * round moves the edge by at least one slice and never past the window, so a walk of any window
 * ends within as many rounds as it has hours, plus one.
 */
export class SlicePlan {
  private edge: number;
  private start: number;
  /** The edge is where a slice of this walk ended, not a place the walk was given. */
  private joined = false;

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
    this.joined = false;
  }

  /**
   * A first round of one slice chosen by the caller (sized by the calls an hour seen before). It
   * must start the walk: it holds the time next to the edge, and its far end lies on a fine
   * boundary or beyond the window, so that the rounds after it join it exactly.
   */
  take(slice: Slice): Slice[] {
    const far = this.order === 'desc' ? slice.from : slice.to;
    const holdsEdge =
      this.order === 'desc'
        ? slice.from < this.edge && slice.to >= this.edge
        : slice.from <= this.edge && slice.to > this.edge;
    if (this.done || this.covered() > 0 || !holdsEdge || far % FINE_WIDTHS_MS[0] !== 0) {
      throw new RangeError(`${slice.from}..${slice.to} cannot start a walk from ${this.edge}`);
    }
    this.edge = far;
    this.joined = true;
    return [slice];
  }

  /**
   * The slices of the next round: the widest aligned slice at most twice as wide as `span` (one
   * wider request costs less than several narrow ones), then, only while they are whole days, more
   * of them until the round covers `span`, at most MAX_SLICES_PER_ROUND. Narrower slices never go
   * in parallel: alignment would cut the span into many small requests. From the end of a fine
   * slice, the fine slices up to the hour go in one round, with the slice after them. A round has
   * one slice at least, whatever `span` is, unless the walk is done.
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
      const slice = nextSlice(
        this.edge,
        this.order,
        Math.max(2 * (wanted - planned), HOUR),
        this.joined,
      );
      const previous = slices.at(-1);
      const climbing = previous !== undefined && previous.to - previous.from < HOUR;
      if (previous !== undefined && slice.to - slice.from < DAY && !climbing) break;
      this.edge = this.order === 'desc' ? slice.from : slice.to;
      this.joined = true;
      planned += slice.to - slice.from;
      slices.push(slice);
    }
    return slices;
  }
}

/**
 * The slices a walk will want after `edge`, for read-ahead: from `edge` on in `order`, each the
 * widest aligned slice at most `maxWidth` wide that stays within the window's hours, until they
 * cover `span` or reach the window's end. Widths follow the edge's alignment exactly as a walk's
 * own rounds do, so a later page's slices lie inside these, or are these.
 */
export function slicesAhead(
  window: { since: number; until: number },
  edge: number,
  order: SortOrder,
  span: number,
  maxWidth: number,
): Slice[] {
  const low = Math.floor(window.since / HOUR) * HOUR;
  const high = Math.ceil(window.until / HOUR) * HOUR;
  const slices: Slice[] = [];
  let at = Math.min(Math.max(edge, window.since), window.until);
  const inside = (slice: Slice): boolean => slice.from >= low && slice.to <= high;
  while (slices.length < MAX_SLICES_AHEAD && Math.abs(at - edge) < span) {
    if (order === 'desc' ? at <= window.since : at >= window.until) break;
    let slice = nextSlice(at, order, maxWidth);
    while (!inside(slice) && slice.to - slice.from > HOUR)
      slice = nextSlice(at, order, (slice.to - slice.from) / 2);
    slices.push(slice);
    at = order === 'desc' ? slice.from : slice.to;
  }
  return slices;
}
