import { Injectable } from '@nestjs/common';
import { SliceCache } from '../cache/slice-cache.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import type {
  CallLogProvider,
  Pushdown,
  Slice,
  SliceResult,
} from '../providers/call-log-provider.js';

/** Bumped whenever the normalized record shape changes, so old entries are never read. */
const SCHEMA_VERSION = 1;

export interface SourcedSlice extends SliceResult {
  cached: boolean;
}

/** A provider's slice, from the cache when it holds one, else from the upstream (then cached). */
@Injectable()
export class SliceSource {
  constructor(
    private readonly cache: SliceCache,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async fetch(
    provider: CallLogProvider,
    slice: Slice,
    pushdown: Pushdown,
    signal?: AbortSignal,
  ): Promise<SourcedSlice> {
    const key = sliceKey(provider, slice, pushdown);
    const hit = await this.cache.get(key);
    if (hit !== undefined)
      return { records: hit.records, rejected: hit.rejected, upstreamRequests: 0, cached: true };
    const fetched = await provider.fetchSlice(slice, pushdown, signal);
    const now = this.clock.now();
    await this.cache.set(
      key,
      { records: fetched.records, rejected: fetched.rejected, fetchedAt: now },
      this.ttl(slice, now),
    );
    return { ...fetched, cached: false };
  }

  /**
   * A slice that ended within the settle period may still gain calls (providers report a call a
   * while after it ends), so it is kept briefly; an older one is closed and kept long.
   */
  private ttl(slice: Slice, now: number): number {
    const { settleMs, freshTtlMs, closedTtlMs } = this.config.cache;
    return slice.to > now - settleMs ? freshTtlMs : closedTtlMs;
  }
}

/** Canonical: any query whose window covers the slice with the same pushdown shares the entry. */
export function sliceKey(provider: CallLogProvider, slice: Slice, pushdown: Pushdown): string {
  const filters = Object.keys(pushdown)
    .sort()
    .map((name) => `${name}=${encodeURIComponent(pushdown[name])}`)
    .join('&');
  return `v${SCHEMA_VERSION}|${provider.name}|${encodeURIComponent(provider.account)}|${slice.from}|${slice.to}|${filters}`;
}
