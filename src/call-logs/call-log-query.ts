import { parsePhoneQuery } from '../domain/phone.js';
import { InvalidParametersError, type ProblemErrorDto } from '../http/problem.js';
import { describeUnknown } from '../http/query-params.js';
import type { CallLogFilters } from '../domain/call-log-filters.js';
import type { ProviderName } from '../domain/call-log.js';
import { DEFAULT_LIMIT, EARLIEST_INSTANT, type CallLogQueryDto } from './call-log-query.dto.js';
import { fingerprint, type CursorCodec, type CursorState } from '../domain/cursor.js';
import type { SortOrder } from '../domain/slice.js';
import type { CountryCode } from 'libphonenumber-js';
import { DAY, parseInstant } from '../domain/time.js';

/** A request's query, checked and resolved: what the aggregation works from. */
export interface ResolvedQuery {
  since: number;
  until: number;
  order: SortOrder;
  limit: number;
  filters: CallLogFilters;
  includeRaw: boolean;
  /** Where each provider stands in the walk; null on a first page, where all start together. */
  places: CursorState['places'] | null;
  /** Goes into the next cursor. */
  fingerprint: string;
}

export interface QueryRules {
  now: number;
  /** The gateway's providers: the names `provider` may give. */
  providers: readonly ProviderName[];
  maxWindowDays: number;
  defaultRegion: CountryCode | undefined;
  cursors: CursorCodec;
}

/** Checks what a single parameter cannot check alone, and resolves defaults and the cursor. */
export function resolveQuery(dto: CallLogQueryDto, rules: QueryRules): ResolvedQuery {
  const errors: ProblemErrorDto[] = [];
  const phone = (parameter: 'number' | 'bridgeNumber'): string | null => {
    const value = dto[parameter];
    if (value === undefined) return null;
    const e164 = parsePhoneQuery(value, rules.defaultRegion);
    if (e164 === null) {
      errors.push({
        parameter,
        detail: `${parameter} ${JSON.stringify(value)} is not a phone number in international notation${
          rules.defaultRegion
            ? ` or national notation of ${rules.defaultRegion}`
            : ' (start it with + and the country code)'
        }`,
      });
    }
    return e164;
  };
  const filters: CallLogFilters = {
    providers: sortedUnique(dto.provider) ?? [...rules.providers].sort(),
    statuses: sortedUnique(dto.status),
    directions: sortedUnique(dto.direction),
    callIds: sortedUnique(dto.callId),
    number: phone('number'),
    bridgeNumber: phone('bridgeNumber'),
    mediaType: dto.mediaType ?? null,
    minDuration: dto.minDuration ?? null,
    maxDuration: dto.maxDuration ?? null,
  };
  const unknown = filters.providers.filter((name) => !rules.providers.includes(name));
  if (unknown.length > 0) {
    errors.push({
      parameter: 'provider',
      detail: `provider has ${describeUnknown(unknown, rules.providers)}; allowed: ${rules.providers.join(', ')}`,
    });
  }
  if (
    filters.minDuration !== null &&
    filters.maxDuration !== null &&
    filters.minDuration > filters.maxDuration
  ) {
    errors.push({
      parameter: 'minDuration',
      detail: 'minDuration must not be greater than maxDuration',
    });
  }
  const order: SortOrder = dto.sort === 'startedAt' ? 'asc' : 'desc';
  // Validation has read both already; the same strict reader gives the same instant.
  const explicitSince = parseInstant(dto.since, { requireOffset: true });
  const explicitUntil = parseInstant(dto.until, { requireOffset: true });
  const print = fingerprint({ ...filters, order, since: explicitSince, until: explicitUntil });

  let since: number;
  let until: number;
  let places: ResolvedQuery['places'] = null;
  if (dto.cursor !== undefined) {
    const cursor = checkCursor(dto.cursor, rules, print, errors);
    since = cursor?.since ?? 0;
    until = cursor?.until ?? 0;
    places = cursor?.places ?? null;
  } else {
    until = explicitUntil ?? Math.floor(rules.now);
    // The default start never reaches back past what any provider keeps.
    since = explicitSince ?? Math.max(until - DAY, EARLIEST_INSTANT);
    const problem = windowProblem(since, until, rules.maxWindowDays);
    if (problem !== null) {
      errors.push({ parameter: explicitSince === null ? 'until' : 'since', detail: problem });
    }
  }
  if (errors.length > 0) throw new InvalidParametersError(errors);
  return {
    since,
    until,
    order,
    limit: dto.limit ?? DEFAULT_LIMIT,
    filters,
    includeRaw: dto.includeRaw === true,
    places,
    fingerprint: print,
  };
}

/** What is wrong with a window, or null. */
function windowProblem(since: number, until: number, maxWindowDays: number): string | null {
  if (since >= until) return 'since must be before until';
  if (until - since > maxWindowDays * DAY) {
    return `the window from since to until is ${((until - since) / DAY).toFixed(1)} days; at most ${maxWindowDays} are allowed`;
  }
  return null;
}

function checkCursor(
  token: string,
  rules: QueryRules,
  print: string,
  errors: ProblemErrorDto[],
): CursorState | null {
  const cursor = rules.cursors.decode(token);
  if (cursor === null) {
    errors.push({
      parameter: 'cursor',
      detail: 'cursor is not one this gateway issued, or it was changed',
    });
    return null;
  }
  if (cursor.filters !== print) {
    errors.push({
      parameter: 'cursor',
      detail:
        'cursor belongs to a query with other filters or another sort; repeat the first page’s parameters with it',
    });
    return null;
  }
  // A cursor is checked as its first page was: whoever holds the signing key cannot widen a window.
  const outside = Object.values(cursor.places).some(
    (place) =>
      place !== null && place !== 'done' && (place.at < cursor.since || place.at > cursor.until),
  );
  const problem =
    cursor.since < EARLIEST_INSTANT
      ? `the cursor’s window starts before ${new Date(EARLIEST_INSTANT).toISOString()}`
      : outside
        ? 'the cursor holds a place outside its window'
        : windowProblem(cursor.since, cursor.until, rules.maxWindowDays);
  if (problem !== null) {
    errors.push({ parameter: 'cursor', detail: `cursor does not fit this gateway: ${problem}` });
    return null;
  }
  return cursor;
}

function sortedUnique<T extends string>(values: readonly T[] | undefined): T[] | null {
  return values === undefined ? null : [...new Set(values)].sort();
}
