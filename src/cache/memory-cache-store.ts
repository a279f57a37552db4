import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { type Clock, SystemClock } from '../domain/clock.js';
import type { StoreHealth } from '../redis/store-health.js';
import type { HourCounts } from '../domain/hour-counts.js';
import { DAY, HOUR } from '../domain/time.js';
import { CacheStore, HOUR_COUNTS_TTL_MS, type Lease, type StoredEntry } from './cache-store.js';
import { Waiters } from './waiters.js';

interface Slot {
  entry: StoredEntry;
  /** The fence of the lease that stored it; 0 for an unconditional `set`. */
  fence: number;
}

interface Lock {
  token: string;
  expiresAt: number;
}

/** Fills under way at once that the store keeps a lock for; a lock is a few dozen bytes. */
const MAX_LOCKS = 100_000;
/** Hours counted: a month of hours (744) for dozens of accounts, a few dozen bytes each. */
const MAX_HOUR_COUNTS = 50_000;

/** What an entry costs the store: its value, its key, and the entry's own fields. */
export function storedBytes(key: string, entry: StoredEntry): number {
  return entry.value.length + key.length + 64;
}

/** The in-process store, bounded by the bytes it holds: one replica, or a test double of the shared one. */
export class MemoryCacheStore extends CacheStore {
  private readonly clock: Clock;
  private readonly slots: LRUCache<string, Slot>;
  private readonly locks: LRUCache<string, Lock>;
  private readonly counts: LRUCache<string, number>;
  /**
   * One counter for every key rather than one per key: fences then grow per key as the port
   * requires, and no per-key counter has to be kept (or lost to eviction) after its lock is gone.
   */
  private lastFence = 0;
  private readonly waiters = new Waiters();

  constructor(options: { maxBytes: number; clock?: Clock }) {
    super();
    this.clock = options.clock ?? new SystemClock();
    // TTLs run on the injected clock, so that a test can move time; resolution 0 reads it every time.
    const ttlOptions = { perf: this.clock, ttlResolution: 0 };
    this.slots = new LRUCache<string, Slot>({
      maxSize: Math.max(1, options.maxBytes),
      sizeCalculation: (slot, key) => storedBytes(key, slot.entry),
      ...ttlOptions,
    });
    this.locks = new LRUCache<string, Lock>({ max: MAX_LOCKS, ...ttlOptions });
    // Bounded by number, not by age: a count past its month is never asked for, and reading one
    // costs no look at the clock.
    this.counts = new LRUCache<string, number>({ max: MAX_HOUR_COUNTS });
  }

  get(key: string): Promise<StoredEntry | undefined> {
    return Promise.resolve(ownCopy(this.slots.get(key)?.entry));
  }

  freshness(keys: readonly string[]): Promise<Array<number | undefined>> {
    return Promise.resolve(keys.map((key) => this.slots.peek(key)?.entry.freshUntil));
  }

  acquire(key: string, leaseMs: number): Promise<Lease | null> {
    if (this.locks.has(key)) return Promise.resolve(null);
    const token = randomUUID();
    const ttl = Math.max(1, leaseMs); // a TTL of 0 would mean "forever" to the LRU
    this.locks.set(key, { token, expiresAt: this.clock.now() + ttl }, { ttl });
    return Promise.resolve({
      key,
      token,
      fence: ++this.lastFence,
      storedFreshUntil: this.slots.peek(key)?.entry.freshUntil ?? 0,
    });
  }

  fulfil(lease: Lease, entry: StoredEntry | null): Promise<void> {
    const { key } = lease;
    if (entry !== null && (this.slots.get(key)?.fence ?? 0) < lease.fence) {
      this.store(key, entry, lease.fence);
    }
    if (this.locks.get(key)?.token === lease.token) this.locks.delete(key);
    this.waiters.wake(key);
    return Promise.resolve();
  }

  async waitFor(key: string, timeoutMs: number): Promise<StoredEntry | undefined> {
    const lock = this.locks.get(key);
    if (lock === undefined) return this.get(key);
    // Nobody fulfils for a dead holder: stop waiting when its lease runs out.
    await this.waiters.wait(key, Math.min(timeoutMs, lock.expiresAt - this.clock.now()));
    return ownCopy(this.slots.get(key)?.entry);
  }

  putHourCounts(scope: string, counts: HourCounts): Promise<void> {
    for (const [hour, calls] of counts) this.counts.set(`${scope}|${hour}`, calls);
    return Promise.resolve();
  }

  hourCounts(scope: string, from: number, to: number): Promise<HourCounts> {
    const found = new Map<number, number>();
    // A window of any width reads at most the hours a count is kept for.
    const start = Math.max(Math.ceil(from / HOUR) * HOUR, to - HOUR_COUNTS_TTL_MS - DAY);
    for (let hour = start; hour < to; hour += HOUR) {
      const calls = this.counts.get(`${scope}|${hour}`);
      if (calls !== undefined) found.set(hour, calls);
    }
    return Promise.resolve(found);
  }

  health(): StoreHealth {
    return { store: 'memory', status: 'ok' };
  }

  close(): Promise<void> {
    this.slots.clear();
    this.locks.clear();
    this.counts.clear();
    this.waiters.wakeAll();
    return Promise.resolve();
  }

  private store(key: string, entry: StoredEntry, fence: number): void {
    const ttl = entry.staleUntil - this.clock.now();
    if (ttl > 0) this.slots.set(key, { entry, fence }, { ttl });
    else this.slots.delete(key);
  }
}

/**
 * A read gets an entry of its own, as from Redis: the slice cache keeps what it decoded from an
 * entry for as long as the entry lives (its callers share one decoding), so an entry the store
 * still holds would keep its decoded records too, beyond the bound on decoded slices.
 */
function ownCopy(entry: StoredEntry | undefined): StoredEntry | undefined {
  return entry === undefined ? undefined : { ...entry };
}
