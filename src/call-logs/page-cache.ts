import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Clock } from '../domain/clock.js';
import type { ProviderMetaDto } from './call-log.dto.js';
import { CallLogsSettings } from './call-logs.settings.js';

/** A page kept for the next caller: the body it is served with then, ready as bytes. */
export interface KeptPage {
  body: Buffer;
  /** Each provider's meta as the page is served again: a hit for every one that answered. */
  providers: ProviderMetaDto[];
  /** The earliest end of freshness among the slices the page was made of. */
  freshUntil: number;
}

/**
 * Pages this replica produced for a pinned window (an explicit `until`, or a cursor), kept while
 * every slice they were made of is fresh: a repeated page is then as fresh as recomputing it, and
 * costs a lookup instead of a walk, a merge and a serialization. Bounded by the bytes of their
 * bodies, which live outside the heap.
 */
@Injectable()
export class PageCache {
  private readonly pages: LRUCache<string, KeptPage>;

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
}
