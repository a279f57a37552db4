import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../domain/clock.js';
import { Deadline } from '../domain/deadline.js';
import type { CallLogProvider, Pushdown, SliceResult } from '../upstreams/call-log-provider.js';
import { UpstreamError } from '../domain/upstream-error.js';
import { currentContext } from '../http/request-context.js';
import type { Slice } from '../domain/slice.js';
import { SpanStatusCode } from '@opentelemetry/api';
import { Tracing } from '../tracing/tracing.js';
import { type CacheOutcome, CacheObserver } from './cache-observer.js';
import { CacheSettings } from './cache-settings.js';
import { CallDensity } from './call-density.js';
import { CacheStore, type Lease, type StoredEntry } from './cache-store.js';
import { DecodedSlices } from './decoded-slices.js';
import { FillFlights } from './fill-flights.js';
import { SharedGets } from './shared-gets.js';
import { SliceKeeper } from './slice-keeper.js';
import { SliceCovers } from './slice-covers.js';
import { type CachedSliceResult, joined, result } from './cached-slice-result.js';
import { sliceKey } from './slice-key.js';

/**
 * The cache in front of the upstreams: a slice is fetched once however many callers and replicas
 * want it at the same moment, served at once while stale and refreshed behind, and served stale
 * when the upstream fails. The store decides where entries live; this decides what they mean.
 */
@Injectable()
export class SliceCache implements OnModuleDestroy {
  private readonly logger = new Logger('SliceCache');
  private readonly flights = new FillFlights(this.logger);
  private readonly gets: SharedGets;
  private readonly covers: SliceCovers;
  private readonly keeper: SliceKeeper;

  constructor(
    private readonly store: CacheStore,
    private readonly clock: Clock,
    private readonly settings: CacheSettings,
    private readonly observer: CacheObserver,
    private readonly tracing: Tracing,
    private readonly density: CallDensity,
    private readonly decoded: DecodedSlices,
  ) {
    this.gets = new SharedGets(store);
    this.covers = new SliceCovers(store, this.decoded, clock);
    this.keeper = new SliceKeeper(store, this.decoded, settings.leaseMs);
  }

  /** The heap the decoded slices this replica keeps take, as estimated. */
  get decodedBytes(): number {
    return this.decoded.bytes;
  }

  async fetch(
    provider: CallLogProvider,
    slice: Slice,
    pushdown: Pushdown,
    refresh = false,
  ): Promise<CachedSliceResult> {
    const result = await this.serve(provider, slice, pushdown, refresh);
    this.observer.served(provider.name, result.cache);
    return result;
  }

  private async serve(
    provider: CallLogProvider,
    slice: Slice,
    pushdown: Pushdown,
    refresh: boolean,
  ): Promise<CachedSliceResult> {
    const key = sliceKey(provider, slice, pushdown);
    const local = refresh ? undefined : this.decoded.fresh(key);
    if (local !== undefined) return result(local, 'hit');
    const split = refresh ? null : await this.covers.splitAroundHeld(provider, slice, pushdown);
    if (split !== null) {
      const parts = await Promise.all(
        split.map((part) => this.serve(provider, part, pushdown, false)),
      );
      return joined(parts);
    }
    const entry = refresh ? await this.store.get(key) : await this.gets.get(key);
    const now = this.clock.now();
    if (entry !== undefined && !refresh) {
      if (now < entry.freshUntil) return this.read(key, entry, 'hit');
      if (now < entry.staleUntil) {
        this.flights.inBackground(key, () =>
          this.fill({ key, provider, slice, pushdown, outcome: 'miss' }),
        );
        return this.read(key, entry, 'stale');
      }
    }
    if (refresh) {
      const context = currentContext();
      if (context !== undefined) context.revalidations += 1;
      return this.flights.shared(key, () =>
        this.fill({ key, provider, slice, pushdown, fallback: entry, outcome: 'refresh' }),
      );
    }
    // Concurrent callers here share one look for a cover, as they share one fill.
    return this.flights.shared(key, async () => {
      if (entry === undefined) {
        const waited = await this.flights.widerUnderWay(provider, slice, pushdown);
        const covered = await this.cover(provider, slice, pushdown);
        if (covered !== undefined) return waited ? { ...covered, cache: 'collapsed' } : covered;
      }
      return this.fill({ key, provider, slice, pushdown, fallback: entry, outcome: 'miss' });
    });
  }

  /**
   * Fills, behind the request, the slices a walk will want next that neither this replica nor the
   * store holds fresh, so that the walk's next pages find them here (a fill under way included).
   */
  prefetch(provider: CallLogProvider, slices: readonly Slice[], pushdown: Pushdown): void {
    this.flights.track(
      this.prefetchAll(provider, slices, pushdown),
      `Read-ahead for ${provider.name}`,
    );
  }

  private async prefetchAll(
    provider: CallLogProvider,
    slices: readonly Slice[],
    pushdown: Pushdown,
  ): Promise<void> {
    // Nearest first, one at a time: the walk's next page waits for the nearest slice, which would
    // otherwise share the upstream with every slice after it (measured on the dense day: the cold
    // walk took 1.05 of the time of fetching the day whole this way, 1.17 with all at once). What
    // is held is asked just before each fill, as the walk's pages fill slices of their own.
    const notHeld = (slice: Slice): Promise<Slice[]> =>
      this.covers.notHeld(provider, slice, pushdown, (key) => this.flights.get(key) !== undefined);
    for (const planned of slices) {
      for (const part of await notHeld(planned)) {
        // Another read-ahead may have begun a fill over this time while this one asked the store
        // (with Redis, both answers can come in one read): then the part is planned again, and
        // each slice is checked just before its fill begins.
        const parts = this.flights.overlapping(provider, part, pushdown)
          ? await notHeld(part)
          : [part];
        for (const slice of parts) {
          if (this.flights.overlapping(provider, slice, pushdown)) continue;
          const key = sliceKey(provider, slice, pushdown);
          // A failed fill is counted and traced by the fill itself; a page that wants the slice
          // then fetches it for itself, and the read-ahead goes on with the next.
          await this.flights
            .shared(key, () => this.fill({ key, provider, slice, pushdown, outcome: 'miss' }))
            .catch(() => undefined);
        }
      }
    }
  }

  private async cover(
    provider: CallLogProvider,
    slice: Slice,
    pushdown: Pushdown,
  ): Promise<CachedSliceResult | undefined> {
    const composed = await this.covers.compose(provider, slice, pushdown);
    return composed === undefined ? undefined : result(composed, 'hit');
  }

  /** Resolves when the fills and the work behind the requests in this process have ended. */
  idle(): Promise<void> {
    return this.flights.idle();
  }

  async onModuleDestroy(): Promise<void> {
    await this.idle();
  }

  /**
   * Fetches the slice under the store's lease, or waits for whoever holds it (another replica) and
   * takes its result. A waiter that gets nothing (the holder failed or died) fetches itself.
   */
  private async fill(job: Fill): Promise<CachedSliceResult> {
    const { key } = job;
    const { leaseMs, waitTimeoutMs } = this.settings;
    let lease = await this.store.acquire(key, leaseMs);
    if (lease === null) {
      const filled = await this.store.waitFor(key, waitTimeoutMs);
      if (filled !== undefined && this.clock.now() < filled.freshUntil)
        return this.read(key, filled, 'collapsed');
      // A slice too large to keep whole was kept as its pieces.
      const covered = await this.cover(job.provider, job.slice, job.pushdown);
      if (covered !== undefined) return { ...covered, cache: 'collapsed' };
      lease = (await this.store.acquire(key, leaseMs)) ?? {
        key,
        token: 'unsynchronized',
        fence: -1,
      };
    }
    // Another replica may have filled the key between our read and our lease: then its fill is ours.
    if (job.outcome === 'miss' && (lease.storedFreshUntil ?? Infinity) > this.clock.now()) {
      const filled = await this.store.get(key);
      if (filled !== undefined && this.clock.now() < filled.freshUntil) {
        await this.store.fulfil(lease, null);
        return this.read(key, filled, 'collapsed');
      }
    }
    return this.fetchAndStore(lease, job);
  }

  /** The fill itself, in a span of its own, timed. */
  private fetchAndStore(lease: Lease, fill: Fill): Promise<CachedSliceResult> {
    const { provider, slice, pushdown } = fill;
    const attributes = {
      'call_log.provider': provider.name,
      'call_log.slice.from': new Date(slice.from).toISOString(),
      'call_log.slice.to': new Date(slice.to).toISOString(),
      'call_log.pushdown': Object.keys(pushdown).sort().join(','),
    };
    return this.tracing.tracer.startActiveSpan('slice fill', { attributes }, async (span) => {
      const started = performance.now();
      let outcome: 'ok' | 'error' | 'stale-if-error' = 'error';
      try {
        const result = await this.fetchAndStoreSlice(lease, fill);
        outcome = result.cache === 'stale-if-error' ? 'stale-if-error' : 'ok';
        span.setAttribute('call_log.records', result.records.length);
        span.setAttribute('call_log.upstream_requests', result.upstreamRequests);
        return result;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        throw error;
      } finally {
        span.setAttribute('call_log.fill.outcome', outcome);
        span.end();
        this.observer.filled(provider.name, outcome, (performance.now() - started) / 1000);
      }
    });
  }

  private async fetchAndStoreSlice(
    lease: Lease,
    { provider, slice, pushdown, fallback, outcome }: Fill,
  ): Promise<CachedSliceResult> {
    let fetched: SliceResult;
    try {
      // A fill is shared by every caller that wants the slice: it runs under its own deadline,
      // not under the one of the request that happened to start it.
      fetched = await provider.fetchSlice(
        slice,
        pushdown,
        Deadline.after(this.settings.fillDeadlineMs, this.clock),
      );
    } catch (error) {
      await this.store.fulfil(lease, null);
      const now = this.clock.now();
      if (error instanceof UpstreamError && fallback !== undefined && now < fallback.staleUntil) {
        return { ...this.read(lease.key, fallback, 'stale-if-error'), error };
      }
      throw error;
    }
    const now = this.clock.now();
    this.flights.track(
      this.density.record(provider, slice, pushdown, fetched.records),
      'Counting calls',
    );
    const freshUntil = now + this.freshTtl(slice, now);
    const times = { fetchedAt: now, freshUntil, staleUntil: freshUntil + this.settings.staleTtlMs };
    // A refill keeps the slice whole: its older entry, kept for stale-if-error, would otherwise
    // stand beside the pieces that replace it.
    const inPieces = fallback === undefined && outcome === 'miss';
    await this.keeper.keep(lease, { provider, slice, pushdown }, fetched, times, inPieces);
    return { ...fetched, cache: outcome, fetchedAt: now, freshUntil };
  }

  /**
   * A slice that ended within the settle period may still gain calls (providers report a call a
   * while after it ends), so it is fresh briefly; an older one is closed and fresh for long.
   */
  private freshTtl(slice: Slice, now: number): number {
    const { settleMs, freshTtlMs, closedTtlMs } = this.settings;
    return slice.to > now - settleMs ? freshTtlMs : closedTtlMs;
  }

  /** A stored entry, as this replica decodes it (or already holds it decoded). */
  private read(key: string, entry: StoredEntry, cache: CacheOutcome): CachedSliceResult {
    return result(this.decoded.decode(key, entry), cache);
  }
}

/** A slice to fetch into the cache, and what stands in for it should the provider fail. */
interface Fill {
  key: string;
  provider: CallLogProvider;
  slice: Slice;
  pushdown: Pushdown;
  /** The stored entry, past its freshness: served stale if the fetch fails. */
  fallback?: StoredEntry;
  outcome: 'miss' | 'refresh';
}
