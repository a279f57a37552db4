import { parsePhoneQuery } from '../common/phone.js';
import { InvalidParametersError, type ProblemErrorDto } from '../common/problem.js';
import type { CallLogFilters } from '../providers/call-log-provider.js';
import { PROVIDERS } from './call-log.js';
import { DEFAULT_LIMIT, type CallLogQueryDto } from './call-log-query.dto.js';
import { fingerprint, type CursorCodec, type CursorState, type Position } from './cursor.js';
import type { SortOrder } from './slice-planner.js';
import type { CountryCode } from 'libphonenumber-js';
import { DAY } from '../common/time.js';

/** A request's query, checked and resolved: what the aggregation works from. */
export interface ResolvedQuery {
  since: number;
  until: number;
  order: SortOrder;
  limit: number;
  filters: CallLogFilters;
  includeRaw: boolean;
  /** Where the previous page ended, if this is not the first page and it returned records. */
  after: Position | null;
  /** Providers that resume from further back, after failing on an earlier page. */
  behind: CursorState['behind'];
  /** Goes into the next cursor. */
  fingerprint: string;
}

export interface QueryRules {
  now: number;
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
    providers: sortedUnique(dto.provider) ?? [...PROVIDERS],
    statuses: sortedUnique(dto.status),
    directions: sortedUnique(dto.direction),
    callIds: sortedUnique(dto.callId),
    number: phone('number'),
    bridgeNumber: phone('bridgeNumber'),
    mediaType: dto.mediaType ?? null,
    minDuration: dto.minDuration ?? null,
    maxDuration: dto.maxDuration ?? null,
  };
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
  const explicitSince = dto.since === undefined ? null : Date.parse(dto.since);
  const explicitUntil = dto.until === undefined ? null : Date.parse(dto.until);
  const print = fingerprint({ ...filters, order, since: explicitSince, until: explicitUntil });

  let since: number;
  let until: number;
  let after: ResolvedQuery['after'] = null;
  let behind: ResolvedQuery['behind'] = {};
  if (dto.cursor !== undefined) {
    const cursor = checkCursor(dto.cursor, rules.cursors, print, errors);
    since = cursor?.since ?? 0;
    until = cursor?.until ?? 0;
    after = cursor?.after ?? null;
    behind = cursor?.behind ?? {};
  } else {
    until = explicitUntil ?? rules.now;
    since = explicitSince ?? until - DAY;
    if (since >= until) {
      errors.push({
        parameter: explicitSince === null ? 'until' : 'since',
        detail: 'since must be before until',
      });
    } else if (until - since > rules.maxWindowDays * DAY) {
      errors.push({
        parameter: explicitSince === null ? 'until' : 'since',
        detail: `the window from since to until is ${((until - since) / DAY).toFixed(1)} days; at most ${rules.maxWindowDays} are allowed`,
      });
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
    after,
    behind,
    fingerprint: print,
  };
}

function checkCursor(
  token: string,
  cursors: CursorCodec,
  print: string,
  errors: ProblemErrorDto[],
): CursorState | null {
  const cursor = cursors.decode(token);
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
  return cursor;
}

function sortedUnique<T extends string>(values: readonly T[] | undefined): T[] | null {
  return values === undefined ? null : [...new Set(values)].sort();
}
