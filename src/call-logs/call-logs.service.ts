import { Injectable, Logger } from '@nestjs/common';
import { type ProviderCacheState, cacheStatusHeader } from '../cache/cache-status.js';
import { PageCache, type CachedPage } from '../cache/page-cache.js';
import { SliceCache, type CacheOutcome } from '../cache/slice-cache.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import type { CallLogProvider, Pushdown, Slice } from '../providers/call-log-provider.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { UpstreamError } from '../providers/upstream-error.js';
import { upstreamLabel } from '../providers/upstream-http.js';
import { Deadline, withinDeadline } from '../common/deadline.js';
import { InvalidParametersError } from '../common/problem.js';
import { PROVIDERS, type CallLog, type ProviderName } from './call-log.js';
import type { ProviderMetaDto } from './call-log.dto.js';
import { matchesFilters } from './call-log-filter.js';
import { resolveQuery, type ResolvedQuery } from './call-log-query.js';
import type { CallLogQueryDto } from './call-log-query.dto.js';
import { CursorCodec, type CursorState, type Position } from './cursor.js';
import { SlicePlan, type SortOrder } from './slice-planner.js';
import { HOUR } from '../common/time.js';

interface Entry {
  at: number;
  record: CallLog;
}

/** One provider's part in producing a page. */
interface Run {
  meta: ProviderMetaDto;
  provider?: CallLogProvider;
  pushdown?: Pushdown;
  /** Epoch ms before which the provider keeps nothing. */
  floor: number;
  /** Where this provider's records resume: the previous page's end, or earlier if it failed. */
  after: Position | null;
  entries: Entry[];
  /** The deadline passed while a slice was on its way, after the provider had answered others. */
  late?: boolean;
  /** How each slice was served, the oldest fetch, and the earliest end of freshness. */
  outcomes: Set<CacheOutcome>;
  fetchedAt?: number;
  freshUntil?: number;
}

/** A page as JSON, and the Cache-Status header that goes with it. */
export interface CallLogPage {
  json: string | Buffer;
  cacheStatus: string;
}

/** Of the ways a page's slices were served, the one that says most about the upstream. */
const OUTCOME_PRECEDENCE: readonly CacheOutcome[] = [
  'stale-if-error',
  'refresh',
  'miss',
  'stale',
  'collapsed',
  'hit',
];

/** Every provider failed: there is no page to give. */
export class AllProvidersFailedError extends Error {
  constructor(
    readonly providers: ProviderMetaDto[],
    /** Some providers answered, but the caller asked for all or nothing (`strict=true`). */
    readonly strict = false,
  ) {
    super(strict ? 'A provider could not answer' : 'No provider could answer');
    this.name = 'AllProvidersFailedError';
  }

  /** Every failure was a timeout: a gateway timeout, not a bad gateway. */
  get timedOut(): boolean {
    return this.providers.every(
      (meta) => meta.status !== 'error' || meta.error?.code === 'upstream_timeout',
    );
  }
}

export interface ListOptions {
  /** Revalidate the query's slices with the providers. */
  refresh?: boolean;
  /** The caller's `X-Request-Timeout`, in milliseconds; it can only lower the deadline. */
  requestTimeout?: string;
}

/**
 * Produces one page of the merged call log: walks aligned time slices from where the page starts,
 * in rounds sized by the density seen so far, asks every provider for every slice of a round
 * concurrently, and stops as soon as the slices fetched hold one record more than the page.
 * Anything not fetched lies wholly beyond the fetched slices in the page's order, so the page is
 * exact whatever the density of the window.
 */
@Injectable()
export class CallLogsService {
  private readonly logger = new Logger('CallLogsService');
  private readonly cursors: CursorCodec;

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly slices: SliceCache,
    private readonly pages: PageCache,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {
    this.cursors = new CursorCodec(config.cursorSecret);
  }

  async list(dto: CallLogQueryDto, options: ListOptions = {}): Promise<CallLogPage> {
    const refresh = options.refresh === true;
    const deadline = this.deadline(options.requestTimeout);
    const now = this.clock.now();
    const query = resolveQuery(dto, {
      now,
      maxWindowDays: this.config.query.maxWindowDays,
      defaultRegion: this.config.query.defaultRegion,
      cursors: this.cursors,
    });
    // Only a pinned window repeats: "the last 24 hours" is another window a millisecond later.
    const pageKey =
      dto.until !== undefined || dto.cursor !== undefined ? pageKeyOf(query) : undefined;
    const cached = pageKey === undefined || refresh ? undefined : this.pages.get(pageKey);
    if (cached !== undefined) return this.fromPageCache(cached);

    const runs = PROVIDERS.map((name) => this.prepare(name, query, now));
    const live = (): Run[] =>
      runs.filter((run) => run.provider !== undefined && run.meta.status === 'ok');
    const start = startEdge(query, runs);
    const plan = new SlicePlan(query.since, query.until, query.order, start);
    const found = (): number => live().reduce((sum, run) => sum + run.entries.length, 0);
    let edge = start;
    for (let span = HOUR; !plan.done && live().length > 0 && !deadline.signal.aborted;) {
      edge = plan.position;
      const round = plan.nextRound(span);
      await Promise.all(
        live().flatMap((run) =>
          round.map((slice) => this.fetchInto(run, slice, query, refresh, deadline)),
        ),
      );
      if (found() > query.limit) break;
      span = nextSpan(found(), query.limit + 1, plan.covered());
    }
    // The deadline cut the walk short: the page holds the rounds every provider finished, and the
    // next page goes on from there.
    const late = live().some((run) => run.late === true);
    if (late) {
      for (const run of live()) {
        run.entries = run.entries.filter(({ at }) =>
          query.order === 'desc' ? at >= edge : at < edge,
        );
      }
    }
    const cut = late || (!plan.done && found() <= query.limit);

    const answered = live();
    const metas = runs.map((run) => this.finish(run));
    const failed = metas.some((meta) => meta.status === 'error');
    if (failed && (answered.length === 0 || dto.strict === true)) {
      throw new AllProvidersFailedError(metas, answered.length > 0);
    }
    const merged = answered.flatMap((run) => run.entries).sort(comparator(query.order));
    const page = merged.slice(0, query.limit);
    for (const { record } of page) metas[PROVIDERS.indexOf(record.provider)].returned += 1;
    const produced: CachedPage = {
      data: JSON.stringify(
        page.map(({ record }) => (query.includeRaw ? record : withoutRaw(record))),
      ),
      page: {
        limit: query.limit,
        nextCursor: this.nextCursor(
          query,
          runs,
          answered,
          merged.length > query.limit || cut,
          page,
        ),
      },
      meta: {
        providers: metas,
        window: {
          since: new Date(query.since).toISOString(),
          until: new Date(query.until).toISOString(),
        },
      },
      freshUntil: Math.min(...runs.map((run) => run.freshUntil ?? Number.POSITIVE_INFINITY)),
    };
    // A page the deadline cut short is not the page: it is not kept.
    if (pageKey !== undefined && !cut && isCacheable(runs)) this.pages.set(pageKey, produced);
    return { json: serialize(produced), cacheStatus: this.cacheStatus(runs) };
  }

  /**
   * The cursor of the next page, or null when nothing is left. A provider that failed keeps the
   * place it had, so the pages that follow still bring its records once it answers again; until
   * then there is a next page, even when the others have nothing more.
   */
  private nextCursor(
    query: ResolvedQuery,
    runs: readonly Run[],
    answered: readonly Run[],
    more: boolean,
    page: readonly Entry[],
  ): string | null {
    const taking = runs.filter((run) => run.provider !== undefined);
    if (!more && taking.every((run) => answered.includes(run))) return null;
    const last = page.at(-1);
    const end: Position | null = last === undefined ? null : { at: last.at, id: last.record.id };
    const further = furtherOf(query.order);
    const places = new Map(
      taking.map((run) => [
        run.meta.provider,
        answered.includes(run) ? further(run.after, end) : run.after,
      ]),
    );
    const after = [...places.values()].reduce(further, null);
    const behind: CursorState['behind'] = {};
    for (const [name, place] of places) if (!samePlace(place, after)) behind[name] = place;
    return this.cursors.encode({
      sort: query.order,
      since: query.since,
      until: query.until,
      after,
      behind,
      filters: query.fingerprint,
    });
  }

  /** A page served again: every provider that answered is a hit now, with no upstream request. */
  private fromPageCache(cached: CachedPage): CallLogPage {
    const providers = cached.meta.providers.map((meta) =>
      meta.status === 'ok'
        ? { ...meta, cache: 'hit' as const, upstreamRequests: 0, latencyMs: 0 }
        : meta,
    );
    cached.hitBody ??= Buffer.from(serialize({ ...cached, meta: { ...cached.meta, providers } }));
    const now = this.clock.now();
    return {
      json: cached.hitBody,
      cacheStatus: cacheStatusHeader(
        providers.map((meta) =>
          cacheState(meta, meta.status === 'ok' ? cached.freshUntil : undefined, now),
        ),
      ),
    };
  }

  /** Adds what the cache did to a provider's meta: how its slices were served, and their age. */
  private finish(run: Run): ProviderMetaDto {
    const { meta } = run;
    if (meta.status !== 'ok') return meta;
    meta.cache = OUTCOME_PRECEDENCE.find((outcome) => run.outcomes.has(outcome)) ?? 'none';
    meta.fetchedAt = run.fetchedAt === undefined ? null : new Date(run.fetchedAt).toISOString();
    if (run.outcomes.has('stale-if-error') && run.fetchedAt !== undefined) {
      meta.status = 'stale';
      meta.ageSeconds = Math.round((this.clock.now() - run.fetchedAt) / 1000);
    }
    return meta;
  }

  private cacheStatus(runs: Run[]): string {
    const now = this.clock.now();
    return cacheStatusHeader(runs.map(({ meta, freshUntil }) => cacheState(meta, freshUntil, now)));
  }

  /** Decides whether a provider takes part, and with which pushdown. */
  private prepare(name: ProviderName, query: ResolvedQuery, now: number): Run {
    const provider = this.registry.get(name);
    const meta: ProviderMetaDto = {
      provider: name,
      status: 'ok',
      mode: provider?.mode ?? 'live',
      records: 0,
      returned: 0,
      rejected: 0,
      upstreamRequests: 0,
      slices: 0,
      latencyMs: 0,
    };
    const skip = (reason: NonNullable<ProviderMetaDto['reason']>): Run => ({
      meta: { ...meta, status: 'skipped', reason },
      floor: 0,
      after: null,
      entries: [],
      outcomes: new Set(),
    });
    if (!query.filters.providers.includes(name)) return skip('not_requested');
    if (provider === undefined) return skip('disabled');
    const floor = provider.retentionFloor(new Date(now))?.getTime() ?? Number.NEGATIVE_INFINITY;
    if (query.until <= floor) return skip('retention');
    const pushdown = provider.pushdown(query.filters);
    if (pushdown === null) return skip('no_match');
    const resumes = Object.hasOwn(query.behind, name);
    const after = resumes ? (query.behind[name] ?? null) : query.after;
    if (resumes) meta.resumedFrom = new Date(after?.at ?? startOf(query)).toISOString();
    return { meta, provider, pushdown, floor, after, entries: [], outcomes: new Set() };
  }

  private async fetchInto(
    run: Run,
    slice: Slice,
    query: ResolvedQuery,
    refresh: boolean,
    deadline: Deadline,
  ): Promise<void> {
    const { provider, pushdown, meta } = run;
    if (provider === undefined || pushdown === undefined || slice.to <= run.floor) return;
    // Wholly before where this provider resumes: its records there were on earlier pages.
    const edge = edgeOf(query, run.after);
    if (query.order === 'desc' ? slice.from >= edge : slice.to <= edge) return;
    const started = performance.now();
    try {
      // The request stops waiting at its deadline; the fill goes on and serves later requests.
      const result = await withinDeadline(
        this.slices.fetch(provider, slice, pushdown, refresh),
        deadline,
        () => deadlinePassed(provider.name),
      );
      // Another slice of the same round failed: this provider is out of the page.
      if (meta.status === 'error') return;
      run.outcomes.add(result.cache);
      run.fetchedAt = Math.min(run.fetchedAt ?? result.fetchedAt, result.fetchedAt);
      run.freshUntil = Math.min(run.freshUntil ?? result.freshUntil, result.freshUntil);
      if (result.error !== undefined)
        meta.error = { code: result.error.code, message: result.error.message };
      meta.records += result.records.length;
      meta.rejected += result.rejected;
      meta.upstreamRequests += result.upstreamRequests;
      meta.slices += 1;
      const after = isAfter(query.order, run.after);
      for (const record of result.records) {
        const at = Date.parse(record.startedAt);
        if (at < query.since || at >= query.until || !after(at, record.id)) continue;
        if (matchesFilters(record, query.filters)) run.entries.push({ at, record });
      }
    } catch (error) {
      // A provider that did answer, only not the whole walk in time, stays in the page.
      if (deadline.signal.aborted && meta.slices > 0 && meta.status === 'ok') run.late = true;
      else this.fail(run, error);
    } finally {
      meta.latencyMs += Math.round(performance.now() - started);
    }
  }

  /** Takes a provider out of the page: its records so far cannot be trusted to be complete. */
  private fail(run: Run, error: unknown): void {
    run.meta.status = 'error';
    run.meta.error = this.describe(run.meta.provider, error);
    run.entries = [];
  }

  /** The request's deadline: the configured one, or sooner when the caller asks. */
  private deadline(requestTimeout: string | undefined): Deadline {
    const limit = this.config.resilience.requestDeadlineMs;
    if (requestTimeout === undefined) return Deadline.after(limit);
    if (!/^\d{1,9}$/.test(requestTimeout.trim()) || Number(requestTimeout) < 1) {
      throw InvalidParametersError.of(
        'X-Request-Timeout',
        'X-Request-Timeout must be a whole number of milliseconds, at least 1',
      );
    }
    return Deadline.after(Math.min(Number(requestTimeout), limit));
  }

  private describe(provider: ProviderName, error: unknown): NonNullable<ProviderMetaDto['error']> {
    if (error instanceof UpstreamError) {
      this.logger.warn(`${provider} failed: ${error.code}: ${error.message}`);
      return { code: error.code, message: error.message };
    }
    this.logger.error(
      `${provider} failed unexpectedly`,
      error instanceof Error ? error.stack : String(error),
    );
    return { code: 'upstream_bad_response', message: `${provider} could not be read` };
  }
}

function deadlinePassed(provider: ProviderName): UpstreamError {
  return new UpstreamError(
    provider,
    'upstream_timeout',
    `${upstreamLabel(provider)} did not answer before the deadline`,
  );
}

/** Where the window starts in the page's order. */
function startOf(query: ResolvedQuery): number {
  return query.order === 'desc' ? query.until : query.since;
}

/** Where a walk from a place starts: the start of the window, or just past the place. */
function edgeOf(query: ResolvedQuery, after: Position | null): number {
  if (after === null) return startOf(query);
  return query.order === 'desc' ? after.at + 1 : after.at;
}

/**
 * Where the walk starts: the start of the window, or just past the previous page's last record, or
 * further back where a provider that failed on an earlier page resumes.
 */
function startEdge(query: ResolvedQuery, runs: readonly Run[]): number {
  const edges = runs
    .filter((run) => run.provider !== undefined)
    .map(({ after }) => edgeOf(query, after));
  if (edges.length === 0) return startOf(query);
  return query.order === 'desc' ? Math.max(...edges) : Math.min(...edges);
}

/**
 * How much more time the next round should cover: what the density seen so far says the page still
 * needs, with a margin, but at most twice what was covered. Call density swings (nights,
 * weekends), so an estimate from a quiet hour may be far too wide; growing geometrically bounds
 * the over-fetch, in a logarithmic number of rounds.
 */
function nextSpan(found: number, wanted: number, covered: number): number {
  const doubling = Math.max(2 * covered, 2 * HOUR);
  if (found === 0) return doubling;
  return Math.min(Math.max(((wanted - found) * covered * 1.2) / found, HOUR), doubling);
}

/** Whether a record comes after a place, in the page order. */
function isAfter(order: SortOrder, after: Position | null): (at: number, id: string) => boolean {
  if (after === null) return () => true;
  return order === 'desc'
    ? (at, id) => at < after.at || (at === after.at && id < after.id)
    : (at, id) => at > after.at || (at === after.at && id > after.id);
}

/** Of two places, the one further along in the page order; null is the start of the window. */
function furtherOf(order: SortOrder): (a: Position | null, b: Position | null) => Position | null {
  return (a, b) => {
    if (a === null || b === null) return a ?? b;
    return isAfter(order, a)(b.at, b.id) ? b : a;
  };
}

function samePlace(a: Position | null, b: Position | null): boolean {
  return a === b || (a !== null && b !== null && a.at === b.at && a.id === b.id);
}

/** Start time, then id, both in the page's direction: a total order, so keyset paging is exact. */
function comparator(order: SortOrder): (a: Entry, b: Entry) => number {
  const sign = order === 'desc' ? -1 : 1;
  return (a, b) =>
    sign * (a.at - b.at || (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));
}

/** The page key: the filters' fingerprint already holds the order and any explicit bounds. */
function pageKeyOf(query: ResolvedQuery): string {
  const places = JSON.stringify([query.after, query.behind]);
  return `${query.fingerprint}|${query.since}|${query.until}|${places}|${query.limit}|${query.includeRaw}`;
}

/** Only a page every provider answered from fresh slices may be served again as it is. */
function isCacheable(runs: readonly Run[]): boolean {
  return runs.every(
    (run) =>
      run.meta.status === 'skipped' ||
      (run.meta.status === 'ok' &&
        !run.outcomes.has('stale') &&
        !run.outcomes.has('stale-if-error')),
  );
}

/** The response body, with the records' JSON spliced in as it is. */
function serialize(page: CachedPage): string {
  return `{"data":${page.data},"page":${JSON.stringify(page.page)},"meta":${JSON.stringify(page.meta)}}`;
}

function withoutRaw(record: CallLog): CallLog {
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
