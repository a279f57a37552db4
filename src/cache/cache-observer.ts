import type { ProviderName } from '../domain/call-log.js';

/**
 * How a slice was served: `hit` fresh from the cache; `stale` past its freshness and refreshed in
 * the background; `miss` fetched (and stored); `collapsed` filled by a concurrent fetch of the same
 * slice, here or on another replica; `refresh` fetched because the caller asked to revalidate;
 * `stale-if-error` stale, because the fetch failed.
 */
export type CacheOutcome = 'hit' | 'stale' | 'miss' | 'collapsed' | 'refresh' | 'stale-if-error';

/** What the slice cache reports as it works (the metrics listen). */
export abstract class CacheObserver {
  /** A slice a request asked for, and how it was served. */
  abstract served(provider: ProviderName, outcome: CacheOutcome): void;
  /** A fill of a slice from its upstream: `ok`, `error`, or `stale-if-error`, and how long it took. */
  abstract filled(
    provider: ProviderName,
    outcome: 'ok' | 'error' | 'stale-if-error',
    seconds: number,
  ): void;
}
