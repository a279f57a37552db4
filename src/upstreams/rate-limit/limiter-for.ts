import type { UpstreamIdentity } from '../provider-descriptor.js';
import { CallerShares } from './caller-shares.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { UpstreamRateLimiter } from './rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

/** Where the providers' limits are counted, shared by every provider. */
export class RateLimitSettings {
  constructor(
    /** Replicas sharing a provider's limit: each keeps to its share while Redis cannot answer. */
    readonly replicas: number,
    /** The shared Redis; without it, each process counts alone. */
    readonly redisUrl: string | undefined,
    /** Start of every key. */
    readonly keyPrefix: string,
    readonly redisTimeoutMs: number,
    /** The part of a provider's limit one caller may use (0 to 1); 1: all of it. */
    readonly callerShare: number = 1,
  ) {}
}

/**
 * The limiter for a provider's account, or null when the provider has no limit: in the shared
 * Redis when there is one (every replica counts against the same limit), else in-process.
 */
export async function limiterFor(
  provider: UpstreamIdentity,
  ratePerMinute: number,
  settings: RateLimitSettings,
): Promise<UpstreamRateLimiter | null> {
  if (ratePerMinute === 0) return null;
  const { replicas, redisUrl: url } = settings;
  // A minute and a second: the provider counts requests as they arrive, and a request granted at
  // the end of one window may arrive a little later than one granted at its start did.
  const limit = { points: ratePerMinute, durationMs: 61_000 };
  const shares = (points: number): CallerShares | undefined =>
    settings.callerShare < 1
      ? new CallerShares(Math.max(1, Math.floor(points * settings.callerShare)), limit.durationMs)
      : undefined;
  if (url === undefined) {
    return new MemoryRateLimiter({ provider, limit, shares: shares(ratePerMinute) });
  }
  return RedisRateLimiter.connect({
    provider,
    limit,
    url,
    prefix: `${settings.keyPrefix}rate`,
    expectedReplicas: replicas,
    commandTimeoutMs: settings.redisTimeoutMs,
    callerShare: settings.callerShare,
  });
}
