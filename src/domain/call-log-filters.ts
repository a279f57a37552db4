import type { CallLog, CallStatus, Direction, MediaType, ProviderName } from './call-log.js';

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

/**
 * Whether a normalized record matches every filter. Applied to every record, including filters an
 * upstream already applied: an upstream that filters loosely must not widen the answer.
 */
export function matchesFilters(record: CallLog, filters: CallLogFilters): boolean {
  const duration = record.durationSeconds;
  return (
    filters.providers.includes(record.provider) &&
    (filters.statuses === null || filters.statuses.includes(record.status)) &&
    (filters.directions === null || filters.directions.includes(record.direction)) &&
    (filters.callIds === null || filters.callIds.includes(record.providerCallId)) &&
    (filters.number === null ||
      record.caller.number === filters.number ||
      record.callee.number === filters.number) &&
    (filters.bridgeNumber === null || record.bridgeNumber === filters.bridgeNumber) &&
    (filters.mediaType === null || record.mediaType === filters.mediaType) &&
    (filters.minDuration === null || (duration !== null && duration >= filters.minDuration)) &&
    (filters.maxDuration === null || (duration !== null && duration <= filters.maxDuration))
  );
}
