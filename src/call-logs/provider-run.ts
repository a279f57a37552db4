import { Logger } from '@nestjs/common';
import type { CacheOutcome } from '../cache/cache-observer.js';
import type { CallLog, ProviderName } from '../domain/call-log.js';
import { placeOf } from '../domain/cursor.js';
import { type Position, furtherOf, samePlace } from '../domain/keyset.js';
import { UpstreamError } from '../domain/upstream-error.js';
import type { CallLogProvider, Pushdown } from '../upstreams/call-log-provider.js';
import type { ProviderRegistry } from '../upstreams/provider-registry.js';
import type { ResolvedQuery } from './call-log-query.js';
import type { ProviderMetaDto } from './call-log.dto.js';

const logger = new Logger('CallLogsService');

/** A record of a page, with its start as epoch ms. */
export interface Entry {
  at: number;
  record: CallLog;
}

/** One provider's part in producing a page. */
export interface Run {
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
  /** Time the slices read for this page span, for the calls an hour they held. */
  sliceMs: number;
  /** How each slice was served, the oldest fetch, and the earliest end of freshness. */
  outcomes: Set<CacheOutcome>;
  fetchedAt?: number;
  freshUntil?: number;
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

/** Whether a provider takes part in the page, and with which pushdown. */
export function prepareRun(
  registry: ProviderRegistry,
  name: ProviderName,
  query: ResolvedQuery,
  now: number,
): Run {
  const provider = registry.get(name);
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
    sliceMs: 0,
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
    sliceMs: 0,
    outcomes: new Set(),
  };
}

/** Whether the provider answered and takes part in the page. */
export function isLive(run: Run): boolean {
  return run.provider !== undefined && run.meta.status === 'ok';
}

/** Takes a provider out of the page: its records so far cannot be trusted to be complete. */
export function failRun(run: Run, error: unknown): void {
  run.meta.status = 'error';
  run.meta.error = describe(run.meta.provider, error);
  run.entries = [];
}

/** Adds what the cache did to a provider's meta: how its slices were served, and their age. */
export function finishRun(run: Run, now: number): ProviderMetaDto {
  const { meta } = run;
  if (meta.status !== 'ok') return meta;
  meta.cache = OUTCOME_PRECEDENCE.find((outcome) => run.outcomes.has(outcome)) ?? 'none';
  meta.fetchedAt = run.fetchedAt === undefined ? null : new Date(run.fetchedAt).toISOString();
  if (run.outcomes.has('stale-if-error') && run.fetchedAt !== undefined) {
    meta.status = 'stale';
    meta.ageSeconds = Math.round((now - run.fetchedAt) / 1000);
  }
  return meta;
}

export function deadlinePassed(provider: CallLogProvider): UpstreamError {
  return new UpstreamError(
    provider.name,
    'upstream_timeout',
    `${provider.label} did not answer before the deadline`,
  );
}

/** Where the window starts in the page's order. */
export function startOf(query: ResolvedQuery): number {
  return query.order === 'desc' ? query.until : query.since;
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

function describe(provider: ProviderName, error: unknown): NonNullable<ProviderMetaDto['error']> {
  if (error instanceof UpstreamError) {
    logger.warn(`${provider} failed: ${error.code}: ${error.message}`);
    return { code: error.code, message: error.message };
  }
  logger.error(
    `${provider} failed unexpectedly`,
    error instanceof Error ? error.stack : String(error),
  );
  return { code: 'upstream_bad_response', message: `${provider} could not be read` };
}
