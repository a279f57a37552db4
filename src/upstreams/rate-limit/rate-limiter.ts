import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { type Clock, SystemClock } from '../../domain/clock.js';
import type { Deadline } from '../../domain/deadline.js';
import { UpstreamError } from '../../domain/upstream-error.js';
import type { StoreHealth } from '../../redis/store-health.js';
import type { UpstreamIdentity } from '../provider-descriptor.js';
import type { CallerShares } from './caller-shares.js';

/** At most `points` upstream requests in any `durationMs` interval. */
export interface RateLimit {
  points: number;
  durationMs: number;
}

export interface RateLimiterOptions {
  provider: UpstreamIdentity;
  limit: RateLimit;
  clock?: Clock;
  /** Each caller's share of the limit; none: a caller may use all of it. */
  shares?: CallerShares;
}

export interface TakeOptions {
  signal?: AbortSignal;
  deadline: Deadline;
  /** The caller on whose behalf the request goes, held to its share of the limit. */
  caller?: string;
}

/** Where the limiter keeps its state, and whether it is healthy: the same shape as the cache's. */
export type RateLimiterHealth = StoreHealth;

/**
 * What one of `replicas` replicas may use of `points` on its own: rounded down so that the shares
 * never add up to more than the limit; at least one, or a replica could not call the provider at all.
 */
export function replicaShare(points: number, replicas: number): number {
  return Math.max(1, Math.floor(points / replicas));
}

/**
 * Keeps the gateway's own requests to a provider under the provider's published limit, so that
 * the provider never has to refuse them.
 */
export abstract class UpstreamRateLimiter {
  /**
   * Consumes one request slot of `account` (e.g. `cinnox:<appId>`), waiting for one to free up if
   * the limit is reached. Rejects at once with `upstream_rate_limited` if the slot would free up
   * only after `deadline`, or when `signal` aborts, or at once when the caller has spent its share.
   * Resolves to the ms it waited.
   */
  abstract take(account: string, options: TakeOptions): Promise<number>;
  abstract health(): RateLimiterHealth;
  abstract close(): Promise<void>;
}

export type Attempt = { granted: true } | { granted: false; retryInMs: number };

/** The waiting loop, shared by the stores: each store only says whether a slot is free now. */
export abstract class WaitingRateLimiter extends UpstreamRateLimiter {
  protected readonly clock: Clock;
  protected readonly limit: RateLimit;
  /** Aborts every waiting take when the limiter closes. */
  protected readonly lifetime = new AbortController();
  private readonly provider: UpstreamIdentity;
  protected shares: CallerShares | undefined;

  protected constructor(options: RateLimiterOptions) {
    super();
    const { points, durationMs } = options.limit;
    if (!Number.isInteger(points) || points < 1) {
      throw new Error(`A rate limit needs a whole number of points above 0, not ${points}`);
    }
    if (!Number.isFinite(durationMs) || durationMs < 1) {
      throw new Error(`A rate limit needs a duration of at least 1 ms, not ${durationMs}`);
    }
    this.provider = options.provider;
    this.shares = options.shares;
    this.limit = { points, durationMs };
    this.clock = options.clock ?? new SystemClock();
    // Every waiting take listens on it.
    setMaxListeners(0, this.lifetime.signal);
  }

  /** Whether a slot is free now (and then it is taken), or how long until one may be. */
  protected abstract attempt(account: string): Promise<Attempt>;

  async take(account: string, options: TakeOptions): Promise<number> {
    const share = options.caller === undefined ? undefined : `${account}|${options.caller}`;
    if (share !== undefined && this.shares !== undefined && !(await this.shares.take(share))) {
      throw this.shareSpent(options.caller ?? '');
    }
    try {
      return await this.slot(account, options);
    } catch (error) {
      if (share !== undefined) await this.shares?.giveBack(share);
      throw error;
    }
  }

  private async slot(account: string, options: TakeOptions): Promise<number> {
    const started = this.clock.now();
    const stop =
      options.signal === undefined
        ? this.lifetime.signal
        : AbortSignal.any([options.signal, this.lifetime.signal]);
    for (;;) {
      if (stop.aborted) throw this.refusal();
      const outcome = await this.attempt(account);
      if (outcome.granted) return this.clock.now() - started;
      // At least 1 ms: a store that says "now" yet refuses must not turn this into a busy loop.
      const waitMs = Math.max(1, Math.ceil(outcome.retryInMs));
      if (waitMs > options.deadline.remaining()) throw this.refusal(waitMs);
      try {
        await delay(waitMs, undefined, { signal: stop });
      } catch {
        throw this.refusal();
      }
    }
  }

  /** Refused at once: waiting would not help the others, whose share this is. */
  private shareSpent(caller: string): UpstreamError {
    return new UpstreamError(
      this.provider.name,
      'upstream_rate_limited',
      `${caller} has used its share (${this.shares?.points}) of ${this.provider.label}'s limit of ${describeLimit(this.limit)}; the rest is kept for other callers`,
      { callerShare: true },
    );
  }

  /** With the wait a slot would need, so that nobody retries a wait that cannot fit. */
  private refusal(waitMs?: number): UpstreamError {
    return new UpstreamError(
      this.provider.name,
      'upstream_rate_limited',
      `the gateway holds back to stay under ${this.provider.label}'s limit of ${describeLimit(this.limit)}`,
      { retryAfterMs: waitMs },
    );
  }
}

function describeLimit({ points, durationMs }: RateLimit): string {
  // The gateway's own minute has a second of slack for transit (see limiterFor).
  if (durationMs >= 60_000 && durationMs <= 61_000) return `${points} a minute`;
  if (durationMs === 1_000) return `${points} a second`;
  return `${points} per ${durationMs} ms`;
}
