import { Injectable } from '@nestjs/common';
import { Clock } from '../domain/clock.js';
import { CursorCodec, type CursorState, type Place } from '../domain/cursor.js';
import type { Deadline } from '../domain/deadline.js';
import { boundary } from '../domain/keyset.js';
import { ProviderRegistry } from '../upstreams/provider-registry.js';
import type { MetaDto, PageDto, ProviderMetaDto } from './call-log.dto.js';
import { type ResolvedQuery, resolveQuery } from './call-log-query.js';
import type { CallLogQueryDto } from './call-log-query.dto.js';
import { CallLogsSettings } from './call-logs.settings.js';
import { PageCache } from './page-cache.js';
import { cursorAt, cursorsOf, placesAfter } from './page-places.js';
import {
  type CallLogPage,
  entryOrder,
  isCacheable,
  keep,
  pageKeyOf,
  present,
  presentAgain,
  type ProducedPage,
  recordsJson,
} from './page-presenter.js';
import { PageWalk } from './page-walk.js';
import { ReadAhead } from './read-ahead.js';
import {
  type Entry,
  type Run,
  deadlinePassed,
  finishRun,
  isLive,
  prepareRun,
} from './provider-run.js';
import { AllProvidersFailedError } from './providers-failed.error.js';
import { noteOutcome } from './access-outcome.js';
import { requestDeadline } from './request-deadline.js';

export interface ListOptions {
  /** Revalidate the query's slices with the providers. */
  refresh?: boolean;
  /** The caller's `X-Request-Timeout`, in milliseconds; it can only lower the deadline. */
  requestTimeout?: string;
}

/** A page's records in its order, where the walk stands after them, and how each provider answered. */
export interface PageOfRecords {
  entries: Entry[];
  page: PageDto;
  meta: MetaDto;
  /** Where each provider taking part stands after the page. */
  places: CursorState['places'];
  /** The deadline or the request budget cut the page short: it is exact, but not the whole page. */
  cut: boolean;
  runs: Run[];
}

/**
 * Produces one page of the merged call log: resolves the query, lets every provider that takes
 * part walk its slices (PageWalk), merges what they found in the page's order, and says where each
 * provider stands in the cursor, so that walking every page returns every record exactly once.
 */
@Injectable()
export class CallLogsService {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly walker: PageWalk,
    private readonly readAhead: ReadAhead,
    private readonly pages: PageCache,
    private readonly clock: Clock,
    private readonly settings: CallLogsSettings,
  ) {
    this.cursors = new CursorCodec(settings.cursorSecret, registry.names);
  }

  async list(dto: CallLogQueryDto, options: ListOptions = {}): Promise<CallLogPage> {
    const refresh = options.refresh === true;
    const deadline = requestDeadline(
      options.requestTimeout,
      this.settings.requestDeadlineMs,
      this.clock,
    );
    const query = this.resolve(dto, this.settings.maxWindowDays);
    // Only a pinned window repeats: "the last 24 hours" is another window a millisecond later.
    const pageKey =
      dto.until !== undefined || dto.cursor !== undefined ? pageKeyOf(query) : undefined;
    const cached = pageKey === undefined || refresh ? undefined : this.pages.get(pageKey);
    if (cached !== undefined) {
      noteOutcome(cached.providers);
      return { ...presentAgain(cached, this.clock.now()), keptAs: pageKey };
    }

    const made = await this.produce(query, { refresh, deadline, strict: dto.strict === true });
    const produced: ProducedPage = {
      data: recordsJson(made.entries, query.includeRaw),
      page: made.page,
      meta: made.meta,
      freshUntil: Math.min(...made.runs.map((run) => run.freshUntil ?? Number.POSITIVE_INFINITY)),
    };
    // A page the deadline cut short is not the page: it is not kept.
    const kept = pageKey !== undefined && !made.cut && isCacheable(made.runs);
    if (kept) this.pages.set(pageKey, keep(produced));
    return {
      ...present(produced, made.runs, this.clock.now(), kept),
      ...(kept && { keptAs: pageKey }),
    };
  }

  /** A query checked and resolved against this gateway's providers, with windows up to `maxDays`. */
  resolve(dto: CallLogQueryDto, maxDays: number): ResolvedQuery {
    return resolveQuery(dto, {
      now: this.clock.now(),
      providers: this.registry.names,
      maxWindowDays: maxDays,
      defaultRegion: this.settings.defaultRegion,
      cursors: this.cursors,
    });
  }

  /** The cursor of the place `query` starts at: what a later request turns into the rest. */
  cursorAt(query: ResolvedQuery): string {
    return cursorAt(this.cursors, query);
  }

  /**
   * The records of the page `query` asks for. Throws when no provider answered, or (`strict`) when
   * one did not; a provider that failed otherwise is in the meta, and keeps its place.
   */
  async produce(
    query: ResolvedQuery,
    options: { refresh: boolean; deadline: Deadline; strict: boolean },
  ): Promise<PageOfRecords> {
    const { refresh, deadline } = options;
    const runs = this.registry.names.map((name) =>
      prepareRun(this.registry, name, query, this.clock.now()),
    );
    const walk = await this.walker.walk(runs, query, refresh, deadline);

    const answered = runs.filter(isLive);
    const metas = runs.map((run) => finishRun(run, this.clock.now()));
    noteOutcome(metas);
    const failed = metas.some((meta) => meta.status === 'error');
    if (failed && (answered.length === 0 || options.strict)) {
      throw new AllProvidersFailedError(metas, answered.length > 0);
    }
    const merged = answered.flatMap((run) => run.entries).sort(entryOrder(query.order));
    const entries = merged.slice(0, query.limit);
    for (const { record } of entries) {
      const meta = metas.find((m) => m.provider === record.provider);
      if (meta !== undefined) meta.returned += 1;
    }
    // How far the page reaches for every provider that answered: its last record when there is
    // more, else the end of the walk, or the time walked when the deadline cut the walk short.
    const last = entries.at(-1);
    const reach: Place =
      merged.length > query.limit && last !== undefined
        ? { at: last.at, id: last.record.id }
        : walk.done
          ? 'done'
          : boundary(walk.edge);
    const places = placesAfter(runs, answered, reach, query);
    if (places === 'no-progress') throw new AllProvidersFailedError(timedOut(runs, metas));
    const cut = walk.late || (!walk.done && merged.length <= query.limit);
    if (query.places !== null && !refresh && !cut && !walk.done) {
      this.readAhead.after(answered, query, walk.edge);
    }
    return {
      entries,
      page: { limit: query.limit, ...cursorsOf(this.cursors, query, places, answered) },
      meta: {
        providers: metas,
        window: {
          since: new Date(query.since).toISOString(),
          until: new Date(query.until).toISOString(),
        },
      },
      places,
      cut,
      runs,
    };
  }
}

/** Every provider of a page that made no progress, as failed: they did not answer in time. */
function timedOut(runs: readonly Run[], metas: ProviderMetaDto[]): ProviderMetaDto[] {
  return metas.map((meta, i) => {
    const provider = runs[i].provider;
    if (meta.status !== 'ok' || provider === undefined) return meta;
    const { code, message } = deadlinePassed(provider);
    return { ...meta, status: 'error', error: { code, message } };
  });
}
