import { type ProviderCacheState, cacheStatusHeader } from '../cache/cache-status.js';
import { outcomeOf } from './access-outcome.js';
import type { CallLog } from '../domain/call-log.js';
import { comparator } from '../domain/keyset.js';
import type { ResolvedQuery } from './call-log-query.js';
import type { MetaDto, PageDto, ProviderMetaDto } from './call-log.dto.js';
import type { KeptPage } from './page-cache.js';
import type { Entry, Run } from './provider-run.js';

/** A page as produced, with its records already serialized. */
export interface ProducedPage {
  /** JSON of the page's records. */
  data: string;
  page: PageDto;
  meta: MetaDto;
  /** The earliest end of freshness among the slices the page was made of. */
  freshUntil: number;
}

/** A page as JSON, and the Cache-Status header that goes with it. */
export interface CallLogPage {
  json: string | Buffer;
  cacheStatus: string;
  /** `no-store`, or for a page that repeats (a pinned window), how long a client may keep it. */
  cacheControl: string;
  /** The key of the kept page this page is, when it is one. */
  keptAs?: string;
}

/** The records of a page in its order: start time, then id. */
export function entryOrder(order: ResolvedQuery['order']): (a: Entry, b: Entry) => number {
  const compare = comparator(order);
  return (a, b) => compare({ at: a.at, id: a.record.id }, { at: b.at, id: b.record.id });
}

/** The records of a page as JSON, raw upstream records only when asked for. */
export function recordsJson(entries: readonly Entry[], includeRaw: boolean): string {
  return JSON.stringify(entries.map(({ record }) => (includeRaw ? record : withoutRaw(record))));
}

/** A page produced now, with its Cache-Status; `kept` when it is the page of a pinned window. */
export function present(
  page: ProducedPage,
  runs: readonly Run[],
  now: number,
  kept: boolean,
): CallLogPage {
  return {
    json: serialize(page),
    cacheControl: kept ? keepFor(page.freshUntil, now) : 'no-store',
    cacheStatus: cacheStatusHeader(
      runs.map(({ meta, freshUntil }) => cacheState(meta, freshUntil, now)),
    ),
  };
}

/**
 * A page as it is kept for the next caller: every provider that answered is a hit then, with no
 * upstream request; the body is made once, as bytes.
 */
export function keep(page: ProducedPage): KeptPage {
  const providers = page.meta.providers.map((meta) =>
    meta.status === 'ok'
      ? { ...meta, cache: 'hit' as const, upstreamRequests: 0, latencyMs: 0 }
      : meta,
  );
  const body = Buffer.from(serialize({ ...page, meta: { ...page.meta, providers } }));
  return { body, providers, freshUntil: page.freshUntil, outcome: outcomeOf(providers) };
}

/** A kept page served again. */
export function presentAgain(kept: KeptPage, now: number): CallLogPage {
  return {
    json: kept.body,
    cacheControl: keepFor(kept.freshUntil, now),
    cacheStatus: cacheStatusHeader(
      kept.providers.map((meta) =>
        cacheState(meta, meta.status === 'ok' ? kept.freshUntil : undefined, now),
      ),
    ),
  };
}

/** The page key: the filters' fingerprint already holds the order and any explicit bounds. */
export function pageKeyOf(query: ResolvedQuery): string {
  const places = JSON.stringify(query.places);
  return `${query.fingerprint}|${query.since}|${query.until}|${places}|${query.limit}|${query.includeRaw}`;
}

/** Only a page every provider answered from fresh slices may be served again as it is. */
export function isCacheable(runs: readonly Run[]): boolean {
  return runs.every(
    (run) =>
      run.meta.status === 'skipped' ||
      (run.meta.status === 'ok' &&
        !run.outcomes.has('stale') &&
        !run.outcomes.has('stale-if-error')),
  );
}

/** The response body, with the records' JSON spliced in as it is. */
function serialize(page: ProducedPage): string {
  return `{"data":${page.data},"page":${JSON.stringify(page.page)},"meta":${JSON.stringify(page.meta)}}`;
}

/** A record as a page shows it without `includeRaw`. */
export function withoutRaw(record: CallLog): CallLog {
  const { raw, ...rest } = record;
  return rest;
}

/** A provider's entry in `Cache-Status`; `freshUntil` is undefined when it served nothing cached. */
function cacheState(
  meta: ProviderMetaDto,
  freshUntil: number | undefined,
  now: number,
): ProviderCacheState {
  return {
    provider: meta.provider,
    status: meta.status,
    cache: meta.cache,
    ttl: freshUntil === undefined ? undefined : Math.floor((freshUntil - now) / 1000),
    detail: meta.reason ?? meta.error?.code,
  };
}

/** A page of a pinned window may be kept by the client while every slice of it is fresh. */
function keepFor(freshUntil: number, now: number): string {
  const seconds = Math.floor((freshUntil - now) / 1000);
  return Number.isFinite(seconds) && seconds > 0 ? `private, max-age=${seconds}` : 'no-store';
}
