import { Injectable } from '@nestjs/common';
import { SliceCache } from '../cache/slice-cache.js';
import { Clock } from '../domain/clock.js';
import { Deadline, withinDeadline } from '../domain/deadline.js';
import { boundary, edgeOf, isAfter } from '../domain/keyset.js';
import type { Slice } from '../domain/slice.js';
import { SlicePlan } from '../domain/slice-plan.js';
import { HOUR } from '../domain/time.js';
import { matchesFilters } from '../domain/call-log-filters.js';
import { currentContext } from '../http/request-context.js';
import type { ResolvedQuery } from './call-log-query.js';
import { CallLogsSettings } from './call-logs.settings.js';
import { type FirstRound, FirstRounds } from './first-rounds.js';
import { type Run, deadlinePassed, failRun, isLive } from './provider-run.js';

/** How far a walk got: whether it reached the window's end, where it stands, and whether it was cut. */
export interface WalkResult {
  done: boolean;
  edge: number;
  late: boolean;
}

/**
 * Walks slices from where a page starts, in rounds sized by the density seen so far, asking every
 * provider still answering for every slice of a round at once, until the slices hold one record
 * more than the page, or the window ends, or the deadline passes. Anything not fetched then lies
 * wholly beyond the fetched slices in the page's order, so the page is exact whatever the density
 * of the window. The deadline is read from the clock between rounds, so a walk whose every slice
 * is already in memory stops in time too.
 */
@Injectable()
export class PageWalk {
  constructor(
    private readonly slices: SliceCache,
    private readonly settings: CallLogsSettings,
    private readonly clock: Clock,
    private readonly firstRounds: FirstRounds,
  ) {}

  async walk(
    runs: Run[],
    query: ResolvedQuery,
    refresh: boolean,
    deadline: Deadline,
  ): Promise<WalkResult> {
    const live = (): Run[] => runs.filter(isLive);
    const plan = new SlicePlan(query.since, query.until, query.order);
    const found = (): number => live().reduce((sum, run) => sum + run.entries.length, 0);
    let edge = plan.position;
    let rounds = 0;
    let first: FirstRound | undefined;
    // This page's budget: an export's pages run in one request, each with a budget of its own.
    const spentBefore = this.spent();
    try {
      for (let span = HOUR; live().length > 0 && !deadline.expired;) {
        // Past its budget of upstream requests the page is cut short, as by the deadline: the
        // rounds it finished stand, and the cursor goes on from there.
        if (rounds > 0 && this.spent() - spentBefore >= this.settings.maxUpstreamRequests) break;
        // Time that every provider still walking has behind it is not walked again.
        plan.skipTo(farthestBack(query, live()));
        if (plan.done) break;
        edge = plan.position;
        rounds += 1;
        // A page that goes on from a cursor finds the time ahead of it filled by read-ahead, in
        // slices of its own widths: only a first page sizes its first round by the density.
        let round: Slice[];
        if (rounds === 1 && live().every((run) => run.after === null)) {
          first = await this.firstRounds.choose(query, plan.position, live());
          round = first.slice === null ? plan.nextRound(HOUR) : plan.take(first.slice);
        } else round = plan.nextRound(span);
        const catchingUp = behind(query, live());
        // A provider resuming from behind the others has half the time left to catch up: should it
        // not answer by then, it keeps its place and the rest of the time goes to the others, so a
        // provider that fails again cannot hold back a page the others could make.
        const catchUp =
          catchingUp.size > 0 ? Deadline.after(deadline.remaining() / 2, this.clock) : deadline;
        await Promise.all(
          live().flatMap((run) =>
            round.map((slice) =>
              this.fetchInto(run, slice, query, refresh, {
                request: deadline,
                wait: catchingUp.has(run) ? catchUp : deadline,
              }),
            ),
          ),
        );
        for (const run of live()) if (run.late !== true) run.rounds = rounds;
        if (live().some((run) => run.late === true) || found() > query.limit) break;
        span = nextSpan(found(), query.limit + 1, plan.covered());
      }
    } finally {
      first?.release();
    }
    // A provider that has not answered one whole round by the deadline has not answered: the page
    // goes on without it, and it keeps its place.
    if (deadline.expired) {
      for (const run of live()) {
        if (run.rounds === 0 && run.provider !== undefined) {
          failRun(run, deadlinePassed(run.provider));
        }
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

  /** Upstream requests this request has made so far. */
  private spent(): number {
    return currentContext()?.upstreamRequests ?? 0;
  }

  /** Fetches one slice for one provider; it waits until `wait`, the request ends at `request`. */
  private async fetchInto(
    run: Run,
    slice: Slice,
    query: ResolvedQuery,
    refresh: boolean,
    deadlines: { request: Deadline; wait: Deadline },
  ): Promise<void> {
    const { request: deadline, wait } = deadlines;
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
        wait,
        () => deadlinePassed(provider),
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
      run.sliceMs += slice.to - slice.from;
      const after = isAfter(query.order, run.after);
      for (const record of result.records) {
        const at = Date.parse(record.startedAt);
        if (at < query.since || at >= query.until || !after(at, record.id)) continue;
        if (matchesFilters(record, query.filters)) run.entries.push({ at, record });
      }
    } catch (error) {
      // The deadline, not the provider: the walk decides what the rounds it finished are worth.
      if (deadline.expired && meta.status === 'ok') run.late = true;
      else failRun(run, error);
    } finally {
      meta.latencyMs += Math.round(performance.now() - started);
    }
  }
}

/** The providers still walking whose place lies behind another's: they are catching up. */
function behind(query: ResolvedQuery, runs: readonly Run[]): Set<Run> {
  const edges = runs.map(({ after }) => edgeOf(query, after));
  const ahead = query.order === 'desc' ? Math.min(...edges) : Math.max(...edges);
  return new Set(
    runs.filter((_, i) => (query.order === 'desc' ? edges[i] > ahead : edges[i] < ahead)),
  );
}

/** The edge furthest back among the providers still walking: where the walk must be. */
function farthestBack(query: ResolvedQuery, runs: readonly Run[]): number {
  const edges = runs.map(({ after }) => edgeOf(query, after));
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
