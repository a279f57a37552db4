import { Injectable } from '@nestjs/common';
import { currentContext } from '../http/request-context.js';
import { SliceCache } from '../cache/slice-cache.js';
import { slicesAhead } from '../domain/slice-plan.js';
import { SLICE_WIDTHS_MS } from '../domain/slice.js';
import { HOUR } from '../domain/time.js';
import type { ResolvedQuery } from './call-log-query.js';
import { CallLogsSettings } from './call-logs.settings.js';
import { type Run, isLive } from './provider-run.js';

/**
 * The most records read-ahead expects in one slice of one provider. A slice's upstream pages come
 * one after another, so a slice is a chain of requests, and a page that lands inside it waits for
 * the whole chain: this is 20 of Kaleyra's pages of 200. Where calls are sparse, a slice may be a
 * whole day, so that a quiet window costs no more requests than the walk's own rounds would.
 */
const RECORDS_PER_SLICE = 4_000;

/**
 * Slices a whole-window read (an export) reads ahead of its page, for each provider: the one its
 * next page needs and the one after, so the upstream is never idle while a page is written. It
 * keeps what it reads ahead decoded for itself until its walk has passed it, and its hours ahead
 * on a dense day are thousands of calls: the dense day's export held 17,563 calls decoded with
 * the hours of a walk's read-ahead, and its server grew 42-48 MiB over idle, against 34-39 with
 * two slices, in the same time and upstream requests.
 */
const WHOLE_WINDOW_SLICES_AHEAD = 2;

/** The widest slice in which `perHour` calls an hour come to at most RECORDS_PER_SLICE. */
export function widthFor(perHour: number): number {
  const fits = SLICE_WIDTHS_MS.filter((width) => (perHour * width) / HOUR <= RECORDS_PER_SLICE);
  return fits.at(-1) ?? HOUR;
}

/**
 * The widest slice read ahead after a page that read `readMs` of a provider's time: the next width
 * up. Calls an hour change over a day, and a slice sized by the page's density alone can hold many
 * times what it was sized for: walking the dense day back from its quiet noon (227 CINNOX calls an
 * hour), one 12-hour slice held its busy morning, 11,693 calls, all in the server's memory at once
 * while they came. A width at a time, every slice is sized from a page that has seen the time
 * just before it.
 */
export function widestAfter(readMs: number): number {
  return (
    SLICE_WIDTHS_MS.find((width) => width > readMs) ?? SLICE_WIDTHS_MS[SLICE_WIDTHS_MS.length - 1]
  );
}

/**
 * A page reached with a cursor is part of a walk: the caller will want the time after it. That
 * time is fetched behind the page, in slices as wide as alignment and the calls an hour allow, so
 * the walk's next pages are served from the cache and the day costs few upstream pages more than
 * fetching it whole.
 * A first page fetches only what it needs: most callers of a first page want a screen.
 */
@Injectable()
export class ReadAhead {
  constructor(
    private readonly slices: SliceCache,
    private readonly settings: CallLogsSettings,
  ) {}

  /** Fills the time from `edge`, where the page's slices end, for every provider that answered. */
  after(runs: readonly Run[], query: ResolvedQuery, edge: number): void {
    const span = this.settings.readAheadMs;
    if (span <= 0) return;
    const wholeWindow = currentContext()?.wholeWindow === true;
    for (const run of runs) {
      const { provider, pushdown } = run;
      if (!isLive(run) || provider === undefined || pushdown === undefined) continue;
      // As wide as the calls an hour of this provider's part of the page allow, a width at most
      // above the time the page read.
      const width = Math.min(
        widthFor((run.meta.records * HOUR) / Math.max(run.sliceMs, HOUR)),
        widestAfter(run.sliceMs),
      );
      const ahead = slicesAhead(query, edge, query.order, span, width);
      const kept = ahead
        .filter((slice) => slice.to > run.floor)
        .slice(0, wholeWindow ? WHOLE_WINDOW_SLICES_AHEAD : undefined);
      if (kept.length > 0) this.slices.prefetch(provider, kept, pushdown);
    }
  }
}
