import { Injectable, Logger } from '@nestjs/common';
import { type ProviderCacheState, cacheStatusHeader } from '../cache/cache-status.js';
import { PageCache, type CachedPage } from './page-cache.js';
import { SliceCache, type CacheOutcome } from '../cache/slice-cache.js';
import { Clock } from '../domain/clock.js';
import { AppConfig } from '../app/app-config.js';
import type { CallLogProvider, Pushdown, Slice } from '../upstreams/call-log-provider.js';
import { ProviderRegistry } from '../upstreams/provider-registry.js';
import { UpstreamError } from '../domain/upstream-error.js';
import { upstreamLabel } from '../upstreams/upstream-http.js';
import { Deadline, withinDeadline } from '../domain/deadline.js';
import { InvalidParametersError } from '../http/problem.js';
import { PROVIDERS, type CallLog, type ProviderName } from '../domain/call-log.js';
import type { ProviderMetaDto } from './call-log.dto.js';
import { matchesFilters } from '../domain/call-log-filters.js';
import { resolveQuery, type ResolvedQuery } from './call-log-query.js';
import type { CallLogQueryDto } from './call-log-query.dto.js';
import { CursorCodec, placeOf, type CursorState, type Place } from '../domain/cursor.js';
import {
  boundary,
  comparator,
  edgeOf,
  furtherOf,
  isAfter,
  samePlace,
  type Position,
} from '../domain/keyset.js';
import { SlicePlan } from '../domain/slice-plan.js';
import { HOUR } from '../domain/time.js';

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
  /** The deadline passed while a slice of this round was on its way. */
  late?: boolean;
  /** Rounds of the walk this provider answered in full. */
  rounds: number;
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
    const walk = await this.walk(runs, query, refresh, deadline);

    const answered = runs.filter((run) => run.provider !== undefined && run.meta.status === 'ok');
    const metas = runs.map((run) => this.finish(run));
    const failed = metas.some((meta) => meta.status === 'error');
    if (failed && (answered.length === 0 || dto.strict === true)) {
      throw new AllProvidersFailedError(metas, answered.length > 0);
    }
    const merged = answered.flatMap((run) => run.entries).sort(entryOrder(query.order));
    const page = merged.slice(0, query.limit);
    for (const { record } of page) metas[PROVIDERS.indexOf(record.provider)].returned += 1;
    // How far the page reaches for every provider that answered: its last record when there is
    // more, else the end of the walk, or the time walked when the deadline cut the walk short.
    const last = page.at(-1);
    const reach: Place =
      merged.length > query.limit && last !== undefined
        ? { at: last.at, id: last.record.id }
        : walk.done
          ? 'done'
          : boundary(walk.edge);
    const places = this.placesAfter(runs, answered, reach, query);
    if (places === 'no-progress') throw new AllProvidersFailedError(this.timedOut(runs, metas));
    const produced: CachedPage = {
      data: JSON.stringify(
        page.map(({ record }) => (query.includeRaw ? record : withoutRaw(record))),
      ),
      page: { limit: query.limit, ...this.cursorsOf(query, places, answered) },
      meta: {
        providers: metas,
        window: {
          since: new Date(query.since).toISOString(),
          until: new Date(query.until).toISOString(),
        },
      },
      freshUntil: Math.min(...runs.map((run) => run.freshUntil ?? Number.POSITIVE_INFINITY)),
    };
    const cut = walk.late || (!walk.done && merged.length <= query.limit);
    // A page the deadline cut short is not the page: it is not kept.
    if (pageKey !== undefined && !cut && isCacheable(runs)) this.pages.set(pageKey, produced);
    return { json: serialize(produced), cacheStatus: this.cacheStatus(runs) };
  }

  /**
   * Walks slices from where the page starts, in rounds sized by the density seen so far, asking
   * every provider still answering for every slice of a round at once, until the slices hold one
   * record more than the page, or the window ends, or the deadline passes. The deadline is read
   * from the clock between rounds, so a walk whose every slice is already in memory stops in time
   * too. Returns how far every provider still in the walk got.
   */
  private async walk(
    runs: Run[],
    query: ResolvedQuery,
    refresh: boolean,
    deadline: Deadline,
  ): Promise<{ done: boolean; edge: number; late: boolean }> {
    const live = (): Run[] =>
      runs.filter((run) => run.provider !== undefined && run.meta.status === 'ok');
    const plan = new SlicePlan(query.since, query.until, query.order);
    const found = (): number => live().reduce((sum, run) => sum + run.entries.length, 0);
    let edge = plan.position;
    let rounds = 0;
    for (let span = HOUR; live().length > 0 && !deadline.expired;) {
      // Time that every provider still walking has behind it is not walked again.
      plan.skipTo(farthestBack(query, live()));
      if (plan.done) break;
      edge = plan.position;
      rounds += 1;
      const round = plan.nextRound(span);
      await Promise.all(
        live().flatMap((run) =>
          round.map((slice) => this.fetchInto(run, slice, query, refresh, deadline)),
        ),
      );
      for (const run of live()) if (run.late !== true) run.rounds = rounds;
      if (live().some((run) => run.late === true) || found() > query.limit) break;
      span = nextSpan(found(), query.limit + 1, plan.covered());
    }
    // A provider that has not answered one whole round by the deadline has not answered: the page
    // goes on without it, and it keeps its place.
    if (deadline.expired) {
      for (const run of live()) {
        if (run.rounds === 0) this.fail(run, deadlinePassed(run.meta.provider));
      }
    }
    const late = live().some((run) => run.late === true);
    if (!late) return { done: plan.done, edge: plan.position, late };
    // The deadline cut the last round short: the page holds the rounds every provider finished.
    const beyond = isAfter(query.order, boundary(edge));
    for (const run of live()) {
      run.entries = run.entries.filter(({ at, record }) => !beyond(at, record.id));
    }
    return { done: false, edge, late };
  }

  /**
   * Where every provider taking part stands after this page: those that answered at `reach` (or
   * further, if they were ahead), those that failed where they were. `no-progress` when that is
   * where they all stood before: a cursor is never handed out twice.
   */
  private placesAfter(
    runs: readonly Run[],
    answered: readonly Run[],
    reach: Place,
    query: ResolvedQuery,
  ): CursorState['places'] | 'no-progress' {
    const further = furtherOf(query.order);
    const places: CursorState['places'] = {};
    for (const run of runs) {
      const name = run.meta.provider;
      if (run.meta.reason === 'done') places[name] = 'done';
      if (run.provider === undefined || run.meta.status === 'skipped') continue;
      if (!answered.includes(run)) places[name] = run.after;
      else places[name] = reach === 'done' ? 'done' : further(run.after, reach);
    }
    const moved = (Object.keys(places) as ProviderName[]).some(
      (name) =>
        !sameStanding(
          placeOf(places, name),
          query.places === null ? null : placeOf(query.places, name),
        ),
    );
    const open = Object.values(places).some((place) => place !== 'done');
    return open && !moved && reach !== 'done' ? 'no-progress' : places;
  }

  /**
   * `nextCursor` while a provider that answered has more; once none has, `resumeCursor` when a
   * provider that failed still owes records: followed later, it brings exactly those.
   */
  private cursorsOf(
    query: ResolvedQuery,
    places: CursorState['places'],
    answered: readonly Run[],
  ): { nextCursor: string | null; resumeCursor: string | null } {
    const pending = (name: ProviderName): boolean => placeOf(places, name) !== 'done';
    if (!Object.keys(places).some((name) => pending(name as ProviderName))) {
      return { nextCursor: null, resumeCursor: null };
    }
    const cursor = this.cursors.encode({
      sort: query.order,
      since: query.since,
      until: query.until,
      places,
      filters: query.fingerprint,
    });
    return answered.some((run) => pending(run.meta.provider))
      ? { nextCursor: cursor, resumeCursor: null }
      : { nextCursor: null, resumeCursor: cursor };
  }

  /** Every provider of a page that made no progress, as failed: they did not answer in time. */
  private timedOut(runs: readonly Run[], metas: ProviderMetaDto[]): ProviderMetaDto[] {
    return metas.map((meta, i) =>
      meta.status === 'ok' && runs[i].provider !== undefined
        ? { ...meta, status: 'error', error: toMeta(deadlinePassed(meta.provider)) }
        : meta,
    );
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
      rounds: 0,
      outcomes: new Set(),
    });
    if (!query.filters.providers.includes(name)) return skip('not_requested');
    if (provider === undefined) return skip('disabled');
    const floor = provider.retentionFloor(new Date(now))?.getTime() ?? Number.NEGATIVE_INFINITY;
    if (query.until <= floor) return skip('retention');
    const pushdown = provider.pushdown(query.filters);
    if (pushdown === null) return skip('no_match');
    const place = query.places === null ? null : placeOf(query.places, name);
    // Not in the walk any more: every record of it was on an earlier page.
    if (place === 'done') return skip('done');
    if (query.places !== null && isBehind(query, place)) {
      meta.resumedFrom = new Date(place?.at ?? startOf(query)).toISOString();
    }
    return {
      meta,
      provider,
      pushdown,
      floor,
      after: place,
      entries: [],
      rounds: 0,
      outcomes: new Set(),
    };
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
      // The deadline, not the provider: the walk decides what the rounds it finished are worth.
      if (deadline.expired && meta.status === 'ok') run.late = true;
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
    if (requestTimeout === undefined) return Deadline.after(limit, this.clock);
    if (!/^\d{1,9}$/.test(requestTimeout.trim()) || Number(requestTimeout) < 1) {
      throw InvalidParametersError.of(
        'X-Request-Timeout',
        'X-Request-Timeout must be a whole number of milliseconds, at least 1',
      );
    }
    return Deadline.after(Math.min(Number(requestTimeout), limit), this.clock);
  }

  private describe(provider: ProviderName, error: unknown): NonNullable<ProviderMetaDto['error']> {
    if (error instanceof UpstreamError) {
      this.logger.warn(`${provider} failed: ${error.code}: ${error.message}`);
      return toMeta(error);
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

function toMeta(error: UpstreamError): NonNullable<ProviderMetaDto['error']> {
  return { code: error.code, message: error.message };
}

/** Where the window starts in the page's order. */
function startOf(query: ResolvedQuery): number {
  return query.order === 'desc' ? query.until : query.since;
}

/** The edge furthest back among the providers still walking: where the walk must be. */
function farthestBack(query: ResolvedQuery, runs: readonly Run[]): number {
  const edges = runs.map(({ after }) => edgeOf(query, after));
  return query.order === 'desc' ? Math.max(...edges) : Math.min(...edges);
}

/** Whether a place of the cursor lies behind another: its provider failed on an earlier page. */
function isBehind(query: ResolvedQuery, place: Position | null): boolean {
  const places = Object.values(query.places ?? {});
  if (places.includes('done')) return true;
  const further = furtherOf(query.order);
  const furthest = places.reduce<Position | null>(
    (a, b) => further(a, b === 'done' ? null : b),
    null,
  );
  return !samePlace(place, furthest);
}

function sameStanding(a: Place, b: Place): boolean {
  if (a === 'done' || b === 'done') return a === b;
  return samePlace(a, b);
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

function entryOrder(order: ResolvedQuery['order']): (a: Entry, b: Entry) => number {
  const compare = comparator(order);
  return (a, b) => compare({ at: a.at, id: a.record.id }, { at: b.at, id: b.record.id });
}

/** The page key: the filters' fingerprint already holds the order and any explicit bounds. */
function pageKeyOf(query: ResolvedQuery): string {
  const places = JSON.stringify(query.places);
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
