import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { FAILED, type GuardedRedis } from '../../redis/guarded-redis.js';

/**
 * Each caller's share of a provider's limit, so that one caller spending its share leaves the rest
 * to the others: a fixed window of the limit's length, in the shared Redis when there is one (with
 * this replica's part of the share while it cannot answer), else in memory.
 */
export class CallerShares {
  private readonly local: RateLimiterMemory;
  private readonly shared: RateLimiterRedis | undefined;

  constructor(
    /** Requests of the limit's window one caller may use. */
    readonly points: number,
    durationMs: number,
    options: { redis?: GuardedRedis; prefix?: string; replicas?: number } = {},
  ) {
    const duration = Math.max(1, Math.ceil(durationMs / 1000));
    const replicas = options.redis === undefined ? 1 : (options.replicas ?? 2);
    this.local = new RateLimiterMemory({
      points: Math.max(1, Math.floor(points / replicas)),
      duration,
    });
    this.shared =
      options.redis === undefined
        ? undefined
        : new RateLimiterRedis({
            storeClient: options.redis.client,
            keyPrefix: options.prefix ?? 'share',
            points,
            duration,
            rejectIfRedisNotReady: true,
          });
    this.redis = options.redis;
  }

  private readonly redis: GuardedRedis | undefined;

  /** Takes one request of the caller's share; false when the share is spent. */
  async take(key: string): Promise<boolean> {
    const shared = this.shared;
    const answer =
      shared !== undefined && this.redis !== undefined
        ? await this.redis.call('share', () => granted(shared, key), FAILED)
        : FAILED;
    return answer === FAILED ? granted(this.local, key) : answer;
  }

  /** Gives back a request taken but not made (the provider's own limit refused it). */
  async giveBack(key: string): Promise<void> {
    const shared = this.shared;
    if (shared !== undefined && this.redis !== undefined) {
      await this.redis.call('give back', () => shared.reward(key, 1), FAILED);
    }
    await this.local.reward(key, 1);
  }
}

async function granted(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
  try {
    await limiter.consume(key, 1);
    return true;
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return false;
    throw refusal;
  }
}
