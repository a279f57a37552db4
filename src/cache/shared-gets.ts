import type { CacheStore, StoredEntry } from './cache-store.js';

/**
 * Concurrent reads of one key from the store, made once: callers that ask for a slice together
 * share one round trip and one entry. Fifty callers walking a day that this replica no longer
 * holds decoded each read and decoded every 7 MB slice for themselves (the server's peak resident
 * memory reached 474 MiB with a 64 MiB cache). A read that started before another replica's
 * fulfil may miss it: the caller then goes on to the fill, which looks again under its lease.
 */
export class SharedGets {
  private readonly reading = new Map<string, Promise<StoredEntry | undefined>>();

  constructor(private readonly store: Pick<CacheStore, 'get'>) {}

  get(key: string): Promise<StoredEntry | undefined> {
    let read = this.reading.get(key);
    if (read === undefined) {
      read = this.store.get(key).finally(() => this.reading.delete(key));
      this.reading.set(key, read);
    }
    return read;
  }
}
