import { LRUCache } from 'lru-cache';
import type { CallLog } from '../call-logs/call-log.js';

/** One provider's normalized records for one slice and one pushdown. */
export interface CachedSlice {
  records: CallLog[];
  rejected: number;
  /** Epoch milliseconds. */
  fetchedAt: number;
}

/** The narrow port the aggregation caches through; one implementation per store. */
export abstract class SliceCache {
  abstract get(key: string): Promise<CachedSlice | undefined>;
  abstract set(key: string, value: CachedSlice, ttlMs: number): Promise<void>;
}

/** The embedded store: an LRU bounded by the number of records it holds. */
export class MemorySliceCache extends SliceCache {
  private readonly lru: LRUCache<string, CachedSlice>;

  constructor(maxRecords: number) {
    super();
    this.lru = new LRUCache<string, CachedSlice>({
      maxSize: Math.max(1, maxRecords),
      sizeCalculation: (value) => value.records.length + 1,
    });
  }

  get(key: string): Promise<CachedSlice | undefined> {
    return Promise.resolve(this.lru.get(key));
  }

  set(key: string, value: CachedSlice, ttlMs: number): Promise<void> {
    if (ttlMs > 0) this.lru.set(key, value, { ttl: ttlMs });
    return Promise.resolve();
  }
}
