import { Injectable } from '@nestjs/common';
import { Clock } from '../domain/clock.js';
import { type HourCounts, countByHour } from '../domain/hour-counts.js';
import type { Slice } from '../domain/slice.js';
import { DAY, HOUR } from '../domain/time.js';
import type { CallLog } from '../domain/call-log.js';
import type { CallLogProvider, Pushdown } from '../upstreams/call-log-provider.js';
import { CacheStore } from './cache-store.js';

/** Before the time asked, the counts that may stand in for unknown hours: a week and an hour. */
const LOOK_BACK_MS = 7 * DAY + HOUR;

/**
 * The calls an hour each provider account had, as fetched so far, kept in the cache store so that
 * every replica plans with what any of them saw. Counted from the slices fetched whole (without
 * pushdown): a filtered slice says nothing of the hour's calls.
 */
@Injectable()
export class CallDensity {
  constructor(
    private readonly store: CacheStore,
    private readonly clock: Clock,
  ) {}

  /** Counts the whole past hours of a slice fetched, unless a pushdown filtered it. */
  async record(
    provider: CallLogProvider,
    slice: Slice,
    pushdown: Pushdown,
    records: readonly CallLog[],
  ): Promise<void> {
    if (Object.keys(pushdown).length > 0) return;
    const startTimes = records.map((record) => Date.parse(record.startedAt));
    const counts = countByHour(slice, startTimes, this.clock.now());
    if (counts.size > 0) await this.store.putHourCounts(scopeOf(provider), counts);
  }

  /** The counts kept of the hours in [from, to), and of the week before, for estimates. */
  async read(provider: CallLogProvider, from: number, to: number): Promise<HourCounts> {
    return this.store.hourCounts(scopeOf(provider), from - LOOK_BACK_MS, to + HOUR);
  }
}

function scopeOf(provider: CallLogProvider): string {
  return `${provider.name}|${encodeURIComponent(provider.account)}`;
}
