import type { Deadline } from '../domain/deadline.js';
import type { CallLog, ProviderName } from '../domain/call-log.js';
import type { CallLogFilters } from '../domain/call-log-filters.js';
import type { Slice } from '../domain/slice.js';

export type ProviderMode = 'live' | 'sandbox';

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
  /** How people write the provider's name, in messages. */
  abstract readonly label: string;
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
