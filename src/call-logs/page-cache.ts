import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Scope } from '../auth/caller.js';
import { Clock } from '../domain/clock.js';
import type { Outcome } from './access-outcome.js';
import type { ProviderMetaDto } from './call-log.dto.js';
import { CallLogsSettings } from './call-logs.settings.js';

/** A page kept for the next caller: the body it is served with then, ready as bytes. */
export interface KeptPage {
  body: Buffer;
  /** Each provider's meta as the page is served again: a hit for every one that answered. */
  providers: ProviderMetaDto[];
  /** The earliest end of freshness among the slices the page was made of. */
  freshUntil: number;
  /** How each provider answered, as the access line of a request it answers says. */
  outcome: Outcome;
}

/** The scopes a request needs beyond reading call logs, each with what asks for it. */
export type ScopesNeeded = ReadonlyArray<{ scope: Scope; because: string }>;

/** A request URL known to be answered by a kept page, and what its caller needs for it. */
interface Address {
  key: string;
  needs: ScopesNeeded;
}

/** Bytes of the URLs remembered, which a caller can make as long as the door lets a URL be. */
const ADDRESSES_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Pages this replica produced for a pinned window (an explicit `until`, or a cursor), kept while
 * every slice they were made of is fresh: a repeated page is then as fresh as recomputing it, and
 * costs a lookup instead of a walk, a merge and a serialization. Bounded by the bytes of their
 * bodies, which live outside the heap.
 *
 * It also remembers the request URLs that resolved to a kept page: the same URL resolves to the
 * same page for as long as that page is kept (its window is pinned), so it can be answered from
 * here without being parsed and resolved again.
 */
@Injectable()
export class PageCache {
  private readonly pages: LRUCache<string, KeptPage>;
  private readonly addresses = new LRUCache<string, Address>({
    maxSize: ADDRESSES_MAX_BYTES,
    sizeCalculation: (address, url) => url.length + address.key.length + 64,
  });

  constructor(
    private readonly clock: Clock,
    settings: CallLogsSettings,
  ) {
    this.pages = new LRUCache<string, KeptPage>({
      maxSize: Math.max(1, settings.pageCacheMaxBytes),
      sizeCalculation: (page, key) => page.body.length + key.length + 256,
    });
  }

  get(key: string): KeptPage | undefined {
    const page = this.pages.get(key);
    return page !== undefined && this.clock.now() < page.freshUntil ? page : undefined;
  }

  /** The bytes of the pages kept. */
  get bytes(): number {
    return this.pages.calculatedSize;
  }

  set(key: string, page: KeptPage): void {
    const ttl = page.freshUntil - this.clock.now();
    if (ttl > 0) this.pages.set(key, page, { ttl });
  }

  /** Remembers that a request for `url` is answered by the page kept under `key`. */
  remember(url: string, key: string, needs: ScopesNeeded): void {
    if (this.pages.has(key)) this.addresses.set(url, { key, needs });
  }

  /** The fresh page a request for `url` is answered by, if one is kept, and the scopes it needs. */
  at(url: string): { page: KeptPage; needs: ScopesNeeded } | undefined {
    const address = this.addresses.get(url);
    if (address === undefined) return undefined;
    const page = this.get(address.key);
    if (page === undefined) {
      this.addresses.delete(url);
      return undefined;
    }
    return { page, needs: address.needs };
  }
}
