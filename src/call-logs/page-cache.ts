import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Clock } from '../domain/clock.js';
import type { MetaDto, PageDto } from './call-log.dto.js';

/** A page as produced, with its records already serialized. */
export interface CachedPage {
  /** JSON of the page's records. */
  data: string;
  page: PageDto;
  meta: MetaDto;
  /** The earliest end of freshness among the slices the page was made of. */
  freshUntil: number;
  /** The body served on a hit, made at the first one: it does not change while the page is kept. */
  hitBody?: Buffer;
}

/** Pages are bounded by the bytes of their records. */
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * Pages this replica produced for a pinned window (an explicit `until`, or a cursor), kept while
 * every slice they were made of is fresh: a repeated page is then as fresh as recomputing it, and
 * costs a lookup instead of a walk, a merge and a serialization.
 */
@Injectable()
export class PageCache {
  private readonly pages = new LRUCache<string, CachedPage>({
    maxSize: MAX_BYTES,
    sizeCalculation: (page) => page.data.length + 1,
  });

  constructor(private readonly clock: Clock) {}

  get(key: string): CachedPage | undefined {
    const page = this.pages.get(key);
    return page !== undefined && this.clock.now() < page.freshUntil ? page : undefined;
  }

  /** The bytes of the records of the pages kept. */
  get bytes(): number {
    return this.pages.calculatedSize;
  }

  set(key: string, page: CachedPage): void {
    const ttl = page.freshUntil - this.clock.now();
    if (ttl > 0) this.pages.set(key, page, { ttl });
  }
}
