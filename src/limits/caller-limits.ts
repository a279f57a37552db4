import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Caller } from '../auth/caller.js';
import { FAILED, GuardedRedis } from '../redis/guarded-redis.js';
import { parseRedisUrl } from '../redis/redis-url.js';
import type { StoreHealth } from '../redis/store-health.js';
import { RateLimitedError } from './rate-limited.error.js';

/** Where callers' limits are counted. */
export abstract class LimitsSettings {
  /** The shared Redis, so that every replica counts against the same limit; else per process. */
  abstract readonly redisUrl: string | undefined;
  abstract readonly keyPrefix: string;
  abstract readonly redisTimeoutMs: number;
  /** Replicas: while Redis cannot answer, each keeps to this share of a caller's limit. */
  abstract readonly replicas: number;
}

const WINDOW_SECONDS = 60;

/** A request let in: the headers its answer carries, and what to do when it is over. */
export interface Admission {
  headers: Record<string, string>;
  /** The request is over; it cost `units` (at least the one it took to get in). */
  release(units: number): Promise<void>;
}

/**
 * Each caller's limits: `ratePerMinute` cost units a minute, counted in the shared Redis across
 * replicas (a request costs one unit, a revalidation as many as the upstream requests it made),
 * and `maxConcurrent` requests in flight, counted on each replica. Redis never holds a request
 * up: while it cannot answer, each replica keeps to its share of the limit in memory.
 */
export class CallerLimits implements OnModuleDestroy {
  private readonly logger = new Logger('CallerLimits');
  private readonly inFlight = new Map<string, number>();
  /** One limiter per distinct limit, as the library fixes points per limiter. */
  private readonly limiters = new Map<
    number,
    { shared?: RateLimiterRedis; local: RateLimiterMemory }
  >();
  private readonly redis: GuardedRedis<Redis> | undefined;

  constructor(private readonly settings: LimitsSettings) {
    const url = settings.redisUrl;
    this.redis =
      url === undefined
        ? undefined
        : new GuardedRedis<Redis>(
            parseRedisUrl(url),
            {
              context: 'CallerLimits',
              label: 'Caller limits Redis',
              meanwhile: 'on the local share',
            },
            { commandTimeoutMs: settings.redisTimeoutMs },
          );
    this.redis?.connect(1_000).catch((error: unknown) => this.logger.warn(String(error)));
  }

  async admit(caller: Caller): Promise<Admission> {
    const { name, maxConcurrent, ratePerMinute } = caller;
    const running = this.inFlight.get(name) ?? 0;
    if (maxConcurrent > 0 && running >= maxConcurrent) {
      throw new RateLimitedError(
        `${name} has ${running} requests in flight already, its limit`,
        1,
        {},
      );
    }
    let headers: Record<string, string> = {};
    if (ratePerMinute > 0) {
      const taken = await this.take(caller, 1);
      headers = limitHeaders(ratePerMinute, taken);
      if (!taken.granted) {
        throw new RateLimitedError(
          `${name} has spent its ${ratePerMinute} units of this minute`,
          Math.max(1, Math.ceil(taken.resetMs / 1000)),
          headers,
        );
      }
    }
    this.inFlight.set(name, running + 1);
    return {
      headers,
      release: async (units) => {
        const left = (this.inFlight.get(name) ?? 1) - 1;
        if (left > 0) this.inFlight.set(name, left);
        else this.inFlight.delete(name);
        if (ratePerMinute > 0 && units > 1) await this.take(caller, units - 1, true);
      },
    };
  }

  health(): StoreHealth {
    return this.redis?.health() ?? { store: 'memory', status: 'ok' };
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis?.close();
  }

  /**
   * Takes `units` of the caller's minute, in Redis when it answers, else in this replica's share;
   * `charge`: taken whatever is left (the cost of a request already served).
   */
  private async take(
    caller: Caller,
    units: number,
    charge = false,
  ): Promise<{ granted: boolean; remaining: number; resetMs: number }> {
    const { shared, local } = this.limitersFor(caller.ratePerMinute);
    const consume = async (
      limiter: RateLimiterAbstract,
    ): Promise<{ granted: boolean; answer: RateLimiterRes }> => {
      try {
        const answer = charge
          ? await limiter.penalty(caller.name, units)
          : await limiter.consume(caller.name, units);
        return { granted: true, answer };
      } catch (refusal) {
        // A refusal is the store answering, not failing.
        if (refusal instanceof RateLimiterRes) return { granted: false, answer: refusal };
        throw refusal;
      }
    };
    const sharedAnswer =
      shared !== undefined && this.redis !== undefined
        ? await this.redis.call('take', () => consume(shared), FAILED)
        : FAILED;
    const { granted, answer } = sharedAnswer === FAILED ? await consume(local) : sharedAnswer;
    return {
      granted,
      remaining: Math.max(0, answer.remainingPoints),
      resetMs: answer.msBeforeNext,
    };
  }

  private limitersFor(points: number): { shared?: RateLimiterRedis; local: RateLimiterMemory } {
    let limiters = this.limiters.get(points);
    if (limiters === undefined) {
      const share = Math.max(1, Math.floor(points / this.settings.replicas));
      limiters = {
        local: new RateLimiterMemory({ points: share, duration: WINDOW_SECONDS }),
        ...(this.redis !== undefined && {
          shared: new RateLimiterRedis({
            storeClient: this.redis.client,
            keyPrefix: `${this.settings.keyPrefix}caller`,
            points,
            duration: WINDOW_SECONDS,
            rejectIfRedisNotReady: true,
          }),
        }),
      };
      this.limiters.set(points, limiters);
    }
    return limiters;
  }
}

/** The `RateLimit-Policy` and `RateLimit` fields of the IETF httpapi draft. */
function limitHeaders(
  points: number,
  taken: { remaining: number; resetMs: number },
): Record<string, string> {
  return {
    'ratelimit-policy': `"default";q=${points};w=${WINDOW_SECONDS}`,
    ratelimit: `"default";r=${taken.remaining};t=${Math.max(0, Math.ceil(taken.resetMs / 1000))}`,
  };
}
