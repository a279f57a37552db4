import { Injectable } from '@nestjs/common';
import { SliceCache } from '../cache/slice-cache.js';
import { slicesAhead } from '../domain/slice-plan.js';
import { HOUR } from '../domain/time.js';
import type { ResolvedQuery } from './call-log-query.js';
import { CallLogsSettings } from './call-logs.settings.js';
import { type Run, isLive } from './provider-run.js';

/**
 * The widest slice read-ahead asks for. A slice's upstream pages come one after another, so a
 * wider slice is a longer chain, and a page that lands inside it waits for the whole chain.
 */
const MAX_WIDTH = 3 * HOUR;

/**
 * A page reached with a cursor is part of a walk: the caller will want the time after it. That
 * time is fetched behind the page, in slices as wide as alignment allows, so the walk's next pages
 * are served from the cache and the day costs few upstream pages more than fetching it whole.
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
    const ahead = slicesAhead(query, edge, query.order, span, MAX_WIDTH);
    for (const run of runs) {
      const { provider, pushdown } = run;
      if (!isLive(run) || provider === undefined || pushdown === undefined) continue;
      const kept = ahead.filter((slice) => slice.to > run.floor);
      if (kept.length > 0) this.slices.prefetch(provider, kept, pushdown);
    }
  }
}
