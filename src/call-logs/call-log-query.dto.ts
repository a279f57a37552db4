import {
  CALL_STATUSES,
  DIRECTIONS,
  MEDIA_TYPES,
  type CallStatus,
  type Direction,
  type MediaType,
  type ProviderName,
} from '../domain/call-log.js';
import {
  DateTime,
  Flag,
  ListOf,
  ListOfIds,
  ListOfNames,
  OneOf,
  Text,
  WholeNumber,
} from '../http/query-params.js';

export const SORTS = ['-startedAt', 'startedAt'] as const;
export type Sort = (typeof SORTS)[number];

export const MAX_LIMIT = 500;
/**
 * Neither upstream says how far back it answers, and CINNOX refuses the year 0000; both products
 * date from well after 2000, so an earlier instant is refused here rather than sent on.
 */
export const EARLIEST_INSTANT = Date.UTC(2000, 0, 1);
export const DEFAULT_LIMIT = 50;

/** The query parameters of `GET /call-logs`; any other parameter is refused. */
export class CallLogQueryDto {
  @DateTime(
    'Start of the window, inclusive: an RFC 3339 date-time with an offset, on a day and at a time that exist, from 2000-01-01T00:00:00Z on. A leap second (`23:59:60Z` where one was inserted) is the instant after it. Default: 24 hours before `until`.',
    '2026-11-21T00:00:00Z',
    EARLIEST_INSTANT,
  )
  since?: string;

  @DateTime(
    'End of the window, exclusive, written as `since` is. Default: now.',
    '2026-11-22T00:00:00+08:00',
    EARLIEST_INSTANT,
  )
  until?: string;

  @ListOfNames('Providers to ask. Default: all.', 'cinnox,kaleyra')
  provider?: ProviderName[];

  @ListOf(CALL_STATUSES, 'Unified call statuses.', 'completed,no_answer')
  status?: CallStatus[];

  @ListOf(DIRECTIONS, 'Call directions.', 'inbound')
  direction?: Direction[];

  @ListOfIds("The provider's own call ids.", 'c0ffee01-0000-4000-8000-000000000001')
  callId?: string[];

  @Text(
    'A phone number in any common notation (`+1 (323) 555-0142`, `00852 9876 5432`, `tel:+13235550142`); matches the caller or the callee once both are in E.164.',
    '+13235550142',
    64,
  )
  number?: string;

  @Text(
    'The bridge (virtual) number the call went through, in any common notation.',
    '+13236000007',
    64,
  )
  bridgeNumber?: string;

  @OneOf(MEDIA_TYPES, 'Audio or video calls.')
  mediaType?: MediaType;

  @WholeNumber('Shortest duration, in whole seconds, inclusive.', { min: 0 })
  minDuration?: number;

  @WholeNumber('Longest duration, in whole seconds, inclusive.', { min: 0 })
  maxDuration?: number;

  @OneOf(
    SORTS,
    'Order by start time, newest first (`-startedAt`) or oldest first; ties break on `id`.',
    '-startedAt',
  )
  sort?: Sort;

  @WholeNumber('Records per page.', { min: 1, max: MAX_LIMIT, default: DEFAULT_LIMIT })
  limit?: number;

  @Text(
    '`page.nextCursor` of the previous page, or `page.resumeCursor` of a walk’s last page; repeat the same filters with it.',
    'eyJ2IjoxfQ.c2lnbmF0dXJl',
    2048,
  )
  cursor?: string;

  @Flag("Adds each record's untouched upstream JSON as `raw`.")
  includeRaw?: boolean;

  @Flag(
    'Revalidates the slices of this query with the providers instead of serving them from the cache (as `Cache-Control: no-cache`).',
  )
  refresh?: boolean;

  @Flag(
    'Any provider failure fails the request: 502 problem (504 when it was a timeout) instead of a partial answer.',
  )
  strict?: boolean;
}
