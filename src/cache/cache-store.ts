import type { OnModuleDestroy } from '@nestjs/common';
import type { HourCounts } from '../domain/hour-counts.js';
import type { StoreHealth } from '../redis/store-health.js';

/**
 * The narrow port the slice cache stores through, with one implementation per store (in-process,
 * Redis). Every method is safe to call when the store is down: reads miss, writes are dropped,
 * and the gateway goes on without the cache.
 */

/** One cached value and its freshness. */
export interface StoredEntry {
  /** The encoded value. */
  value: Buffer;
  /** Epoch ms when the value was fetched from the upstream. */
  fetchedAt: number;
  /** Epoch ms until which the value is fresh. */
  freshUntil: number;
  /** Epoch ms until which a stale value may still be served; the store drops it after that. */
  staleUntil: number;
}

/** The right to fill one key: held by one caller across every replica until released or expired. */
export interface Lease {
  key: string;
  /** Identifies the holder; only it can release the lock. */
  token: string;
  /** Grows with every lease ever granted for the key: a late writer with a lower fence loses. */
  fence: number;
  /**
   * Until when the entry the store held as it granted the lease is fresh, 0 when it held none:
   * a holder need not read the key again when no other replica filled it before the lease.
   * Absent when the store could not say.
   */
  storedFreshUntil?: number;
}

/** How long a count of an hour is kept: long enough to know last week's hour and the month's. */
export const HOUR_COUNTS_TTL_MS = 35 * 86_400_000;

export abstract class CacheStore implements OnModuleDestroy {
  /** The entry, or undefined on a miss or when the store cannot answer in time. */
  abstract get(key: string): Promise<StoredEntry | undefined>;

  /**
   * Until when each key's entry is fresh (epoch ms), without reading the values; undefined where
   * there is none or the store cannot say. Cheap enough to ask for dozens of keys at once.
   */
  abstract freshness(keys: readonly string[]): Promise<Array<number | undefined>>;

  /**
   * Tries to take the fill lock of `key` for `leaseMs`. Null when another caller holds it. When the
   * store cannot answer, a lease that no one else knows of, so that the caller fetches itself.
   */
  abstract acquire(key: string, leaseMs: number): Promise<Lease | null>;

  /**
   * Stores `entry` (unless a newer fence has stored one since), releases the lock if the lease
   * still holds it, and wakes the waiters of the key. With `entry` null (the fetch failed) it
   * only releases and wakes, so that waiters stop waiting.
   */
  abstract fulfil(lease: Lease, entry: StoredEntry | null): Promise<void>;

  /**
   * Waits until the holder of the key's lock fulfils it, or `timeoutMs` passes, or the lock is
   * gone (its holder died and the lease expired); then returns what the store holds for the key.
   */
  abstract waitFor(key: string, timeoutMs: number): Promise<StoredEntry | undefined>;

  /**
   * Keeps the calls of each hour of `scope` (a provider's account), in place of what was kept for
   * those hours, for up to HOUR_COUNTS_TTL_MS. Dropped when the store cannot take them.
   */
  abstract putHourCounts(scope: string, counts: HourCounts): Promise<void>;

  /** The counts kept for the hours of `scope` that start in [from, to); none where the store cannot say. */
  abstract hourCounts(scope: string, from: number, to: number): Promise<HourCounts>;

  abstract health(): StoreHealth;

  abstract close(): Promise<void>;

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }
}
