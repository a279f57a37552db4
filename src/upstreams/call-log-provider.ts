import type { Deadline } from '../domain/deadline.js';
import type {
  CallLog,
  CallStatus,
  Direction,
  MediaType,
  ProviderName,
} from '../domain/call-log.js';

export type ProviderMode = 'live' | 'sandbox';

/** A half-open time range `[from, to)` in epoch milliseconds, aligned by the slice planner. */
export interface Slice {
  from: number;
  to: number;
}

/** The filters of one query, normalized; every one is applied again on every record. */
export interface CallLogFilters {
  providers: readonly ProviderName[];
  statuses: readonly CallStatus[] | null;
  directions: readonly Direction[] | null;
  callIds: readonly string[] | null;
  /** E.164. */
  number: string | null;
  /** E.164. */
  bridgeNumber: string | null;
  mediaType: MediaType | null;
  minDuration: number | null;
  maxDuration: number | null;
}

/** The upstream's own query parameters for the filters it applies exactly. */
export type Pushdown = Readonly<Record<string, string>>;

export interface SliceResult {
  /** Normalized records whose start lies inside the slice, one per provider call id. */
  records: CallLog[];
  upstreamRequests: number;
  /** Upstream records that could not be normalized. */
  rejected: number;
}

/**
 * What the aggregation needs from an upstream. One implementation per provider module; a new
 * provider is a new module that provides one of these.
 */
export abstract class CallLogProvider {
  abstract readonly name: ProviderName;
  abstract readonly mode: ProviderMode;
  /** Identifies the upstream account in cache keys and logs; never a secret. */
  abstract readonly account: string;

  /** The earliest instant the upstream still keeps, or null when it keeps everything. */
  abstract retentionFloor(now: Date): Date | null;

  /**
   * The part of `filters` this upstream can apply exactly, as its own query parameters; null when
   * no record of this upstream can match (there is then nothing to fetch).
   */
  abstract pushdown(filters: CallLogFilters): Pushdown | null;

  /** Every record in the slice that matches the pushdown, across every upstream page. */
  abstract fetchSlice(slice: Slice, pushdown: Pushdown, deadline: Deadline): Promise<SliceResult>;
}
