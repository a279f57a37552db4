import type { UpstreamError } from '../domain/upstream-error.js';
import type { SliceResult } from '../upstreams/call-log-provider.js';
import type { CacheOutcome } from './cache-observer.js';
import type { Decoded } from './decoded-slices.js';

export interface CachedSliceResult extends SliceResult {
  cache: CacheOutcome;
  fetchedAt: number;
  /** Until when the slice is fresh (epoch ms); in the past for a stale one. */
  freshUntil: number;
  /** The failure a stale slice stands in for. */
  error?: UpstreamError;
}

/** The parts of a slice served apart, as one result: fetched if any part was. */
export function joined(parts: CachedSliceResult[]): CachedSliceResult {
  const fetched = parts.find((part) => part.upstreamRequests > 0 || part.cache === 'miss');
  return {
    records: parts.flatMap((part) => part.records),
    rejected: parts.reduce((sum, part) => sum + part.rejected, 0),
    upstreamRequests: parts.reduce((sum, part) => sum + part.upstreamRequests, 0),
    cache: fetched?.cache ?? parts[0].cache,
    fetchedAt: Math.min(...parts.map((part) => part.fetchedAt)),
    freshUntil: Math.min(...parts.map((part) => part.freshUntil)),
    error: parts.find((part) => part.error !== undefined)?.error,
  };
}

export function result(decoded: Decoded, cache: CacheOutcome): CachedSliceResult {
  const { records, rejected } = decoded.payload;
  return {
    records,
    rejected,
    upstreamRequests: 0,
    cache,
    fetchedAt: decoded.fetchedAt,
    freshUntil: decoded.freshUntil,
  };
}
