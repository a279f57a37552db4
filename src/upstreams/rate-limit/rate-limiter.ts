import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ProviderName } from '../../domain/call-log.js';
import { type Clock, SystemClock } from '../../domain/clock.js';
import type { Deadline } from '../../domain/deadline.js';
import type { StoreHealth } from '../../cache/cache-store.js';
import { FAILED, type GuardOptions, GuardedRedis } from '../../redis/guarded-redis.js';
import { RedisUrlError, parseRedisUrl } from '../../redis/redis-url.js';
import { UpstreamError } from '../../domain/upstream-error.js';
import { upstreamLabel } from '../upstream-http.js';

/** At most `points` upstream requests in any `durationMs` interval. */
export interface RateLimit {
  points: number;
  durationMs: number;
}

export interface RateLimiterOptions {
  provider: ProviderName;
  limit: RateLimit;
  clock?: Clock;
}

export interface RedisRateLimiterOptions extends RateLimiterOptions, GuardOptions {
  /** `redis://` or `rediss://` (TLS). */
  url: string;
  /** Namespaces every key: a key is `<prefix>:<account>`. */
  prefix: string;
  /**
   * Replicas sharing the limit; while Redis cannot answer, each replica keeps to
   * `floor(points / expectedReplicas)` on its own so that the fleet stays under the limit. Default 2.
   */
  expectedReplicas?: number;
  /** How long `connect()` waits for the first ready connection before going on degraded; 1000. */
  startupTimeoutMs?: number;
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
   * only after `deadline`, or when `signal` aborts. Resolves to the ms it waited.
   */
  abstract take(
    account: string,
    options: { signal?: AbortSignal; deadline: Deadline },
  ): Promise<number>;
  abstract health(): RateLimiterHealth;
  abstract close(): Promise<void>;
}

type Attempt = { granted: true } | { granted: false; retryInMs: number };

/** The waiting loop, shared by the stores: each store only says whether a slot is free now. */
abstract class WaitingRateLimiter extends UpstreamRateLimiter {
  protected readonly clock: Clock;
  protected readonly limit: RateLimit;
  /** Aborts every waiting take when the limiter closes. */
  protected readonly lifetime = new AbortController();
  private readonly provider: ProviderName;

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
    this.limit = { points, durationMs };
    this.clock = options.clock ?? new SystemClock();
    // Every waiting take listens on it.
    setMaxListeners(0, this.lifetime.signal);
  }

  /** Whether a slot is free now (and then it is taken), or how long until one may be. */
  protected abstract attempt(account: string): Promise<Attempt>;

  async take(
    account: string,
    options: { signal?: AbortSignal; deadline: Deadline },
  ): Promise<number> {
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

  /** With the wait a slot would need, so that nobody retries a wait that cannot fit. */
  private refusal(waitMs?: number): UpstreamError {
    const label = upstreamLabel(this.provider);
    return new UpstreamError(
      this.provider,
      'upstream_rate_limited',
      `the gateway holds back to stay under ${label}'s limit of ${describeLimit(this.limit)}`,
      { retryAfterMs: waitMs },
    );
  }
}

function describeLimit({ points, durationMs }: RateLimit): string {
  // The gateway's own minute has a second of slack for transit (see policyFor).
  if (durationMs >= 60_000 && durationMs <= 61_000) return `${points} a minute`;
  if (durationMs === 1_000) return `${points} a second`;
  return `${points} per ${durationMs} ms`;
}

/**
 * The grants of the last window, per key, in this process. A sliding log, not a fixed window: a
 * fixed window (what `RateLimiterMemory` counts) lets a full window's worth through at the end of
 * one window and again at the start of the next, twice the limit within one interval.
 */
class SlidingLog {
  private readonly grants = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Grants if fewer than `points` grants fall within the last window, and returns the grant's time. */
  tryTake(
    key: string,
    points: number,
  ): { granted: true; at: number } | { granted: false; retryInMs: number } {
    const { log, now } = this.live(key);
    if (log.length < points) return { granted: true, at: this.push(key, log, now) };
    // The slot frees when the grant `points` places back leaves the window.
    return { granted: false, retryInMs: log[log.length - points] + this.windowMs - now };
  }

  /** Counts a grant made elsewhere (by Redis) as this process's own. */
  record(key: string): void {
    const { log, now } = this.live(key);
    this.push(key, log, now);
  }

  /** The grants still within the window. */
  entries(key: string): readonly number[] {
    return [...this.live(key).log];
  }

  keys(): string[] {
    return [...this.grants.keys()];
  }

  clear(): void {
    this.grants.clear();
  }

  /** Takes back a grant `tryTake` made at `at`. */
  forget(key: string, at: number): void {
    const log = this.grants.get(key);
    const index = log?.lastIndexOf(at) ?? -1;
    if (log && index >= 0) log.splice(index, 1);
  }

  private live(key: string): { log: number[]; now: number } {
    const now = this.clock.now();
    const log = this.grants.get(key) ?? [];
    let expired = 0;
    while (expired < log.length && log[expired] <= now - this.windowMs) expired++;
    log.splice(0, expired);
    // Dropping empty logs keeps the map from growing with every account ever seen.
    if (log.length === 0) this.grants.delete(key);
    return { log, now };
  }

  private push(key: string, log: number[], now: number): number {
    // Kept sorted even if the clock steps back, which the pruning relies on.
    const at = Math.max(now, log.at(-1) ?? now);
    log.push(at);
    this.grants.set(key, log);
    return at;
  }
}

/** One replica's limiter: the embedded default, exact for a single replica. */
export class MemoryRateLimiter extends WaitingRateLimiter {
  private readonly log: SlidingLog;

  constructor(options: RateLimiterOptions) {
    super(options);
    this.log = new SlidingLog(this.limit.durationMs, this.clock);
  }

  protected attempt(account: string): Promise<Attempt> {
    const outcome = this.log.tryTake(account, this.limit.points);
    return Promise.resolve(outcome.granted ? { granted: true } : outcome);
  }

  health(): RateLimiterHealth {
    return { store: 'memory', status: 'ok' };
  }

  close(): Promise<void> {
    this.lifetime.abort();
    return Promise.resolve();
  }
}

/**
 * A sliding log in a sorted set, replacing the library's fixed-window counter (see SlidingLog for
 * why). Times come from Redis's clock, the one clock every replica shares. KEYS[1]: the log.
 * ARGV[1]: points to take, ARGV[3]: the limit (the library's argument order). The window is baked
 * in: the library passes whole seconds only. Returns {points in use after the take, ms before the
 * next slot frees}, what the library expects of an increment script; more than the limit = refused.
 */
function slidingLogScript(windowMs: number): string {
  return `
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = ${Math.ceil(windowMs)}
local want = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used + want > limit then
  local freeing = redis.call('ZRANGE', KEYS[1], used + want - limit - 1, used + want - limit - 1, 'WITHSCORES')
  return {used + want, tonumber(freeing[2]) + window - now}
end
for i = 1, want do
  -- Unique within a millisecond: nothing leaves the log between two calls in the same one.
  redis.call('ZADD', KEYS[1], now, now .. ':' .. (used + i))
end
redis.call('PEXPIRE', KEYS[1], window)
return {used + want, window}`;
}

/**
 * Names the data set the logs belong to. A Redis that restarted empty has none, or a new one: the
 * replicas then write their own recent grants back, so that the logs hold them again.
 */
const GENERATION_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`;

/** Writes grants back into a log. KEYS[1]: the log; ARGV[1]: the window; then score, member pairs. */
const RESEED_SCRIPT = `
for i = 2, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/**
 * The limiter every replica shares, in Redis. Redis must never hold a request up: each call is
 * bounded by a timeout and a circuit breaker, and while Redis cannot answer each replica keeps to
 * its share of the limit on its own, less what the others had used beyond their shares when it
 * last heard from Redis. Once Redis answers again, a replica writes back the grants Redis does not
 * hold (those of the fallback, or all of its recent ones when Redis lost its data), and for one
 * window keeps to its share as well, until every replica has done the same.
 *
 * What remains inexact: grants are written back with the replica's clock, and what another replica
 * granted after this one last heard from Redis is unknown to it.
 */
export class RedisRateLimiter extends WaitingRateLimiter {
  private readonly redis: GuardedRedis<Redis>;
  private readonly client: Redis;
  private readonly store: RateLimiterRedis;
  private readonly local: SlidingLog;
  /** Grants made while Redis could not answer, not yet written back. */
  private readonly unsynced: SlidingLog;
  private readonly fallbackPoints: number;
  private readonly replicas: number;
  private readonly prefix: string;
  private readonly member = Math.random().toString(36).slice(2, 10);
  /** The data set this replica's grants were last written to; null before the first contact. */
  private generation: string | null = null;
  /** Redis may lack grants of this replica: write them back before the next take. */
  private outOfSync = true;
  private resyncing: Promise<void> | undefined;
  /** Per account: when Redis last answered a take, and how many grants of others it held. */
  private readonly lastShared = new Map<string, { at: number; others: number }>();
  /**
   * Until then, grants made on the fallback still count within the window, and Redis does not know
   * of them: every take must also fit this replica's share.
   */
  private sharedUntil = Number.NEGATIVE_INFINITY;

  /** Connects, waiting a bounded time for Redis; a limiter whose Redis is down works, degraded. */
  static async connect(options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    const limiter = new RedisRateLimiter(options);
    await limiter.redis.connect(options.startupTimeoutMs ?? 1_000);
    return limiter;
  }

  private constructor(options: RedisRateLimiterOptions) {
    super(options);
    const replicas = options.expectedReplicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(`expectedReplicas must be a whole number above 0, not ${replicas}`);
    }
    this.fallbackPoints = replicaShare(this.limit.points, replicas);
    this.replicas = replicas;
    const target = parseRedisUrl(options.url);
    if (target.cluster) {
      throw new RedisUrlError(
        `${target.redacted}: the rate limiter needs one Redis, not a Cluster`,
      );
    }
    this.redis = new GuardedRedis<Redis>(
      target,
      {
        context: RedisRateLimiter.name,
        label: 'Rate limiter Redis',
        meanwhile: 'on the local fallback',
      },
      options,
    );
    this.client = this.redis.client;
    this.prefix = options.prefix;
    this.local = new SlidingLog(this.limit.durationMs, this.clock);
    this.unsynced = new SlidingLog(this.limit.durationMs, this.clock);
    this.store = new RateLimiterRedis({
      storeClient: this.client,
      keyPrefix: options.prefix,
      points: this.limit.points,
      // Unused by the script, which has the exact window; whole seconds make the library run it.
      duration: Math.max(1, Math.ceil(this.limit.durationMs / 1000)),
      customIncrTtlLuaScript: slidingLogScript(this.limit.durationMs),
      // Fails at once while disconnected, instead of spending the timeout.
      rejectIfRedisNotReady: true,
    });
    // A dropped connection may be a restart that emptied Redis.
    this.client.on('close', () => {
      if (this.generation !== null) this.loseContact();
    });
    this.client.on('ready', () => {
      // Written back at once, not at the next take: an idle replica's grants count for the others.
      if (this.outOfSync) void this.resync();
    });
  }

  protected async attempt(account: string): Promise<Attempt> {
    if (this.outOfSync) await this.resync();
    let reserved: number | undefined;
    if (this.clock.now() < this.sharedUntil) {
      const local = this.takeShare(account);
      if (!local.granted) return local;
      reserved = local.at;
    }
    const shared = await this.redis.call('take', () => this.consume(account), FAILED);
    if (shared === FAILED) {
      this.loseContact();
      if (reserved === undefined) {
        const local = this.takeShare(account);
        if (!local.granted) return local;
      }
      this.unsynced.record(account);
      return { granted: true };
    }
    if (!shared.granted) {
      if (reserved !== undefined) this.local.forget(account, reserved);
      this.heard(account, shared.used);
      return { granted: false, retryInMs: shared.retryInMs };
    }
    // Counted locally too: should Redis fail, this replica's recent grants count in its share.
    if (reserved === undefined) this.local.record(account);
    this.heard(account, shared.used);
    return { granted: true };
  }

  /** What Redis said the window holds: the others' part of it bounds this replica's fallback. */
  private heard(account: string, used: number): void {
    this.lastShared.set(account, {
      at: this.clock.now(),
      others: Math.max(0, used - this.local.entries(account).length),
    });
  }

  /**
   * A slot of this replica's own share: the share, less what the others held beyond theirs when
   * Redis last answered, for as long as those grants may still be in the window.
   */
  private takeShare(
    account: string,
  ): { granted: true; at: number } | { granted: false; retryInMs: number } {
    const window = this.limit.durationMs;
    const seen = this.lastShared.get(account);
    const until = seen === undefined ? 0 : seen.at + window;
    const beyond =
      seen !== undefined && this.clock.now() < until
        ? Math.max(0, seen.others - (this.replicas - 1) * this.fallbackPoints)
        : 0;
    // No slot of its own at all until the others' grants have left the window.
    if (beyond >= this.fallbackPoints)
      return { granted: false, retryInMs: until - this.clock.now() };
    return this.local.tryTake(account, this.fallbackPoints - beyond);
  }

  private loseContact(): void {
    this.outOfSync = true;
    this.sharedUntil = this.clock.now() + this.limit.durationMs;
  }

  /**
   * Writes back what Redis does not hold of this replica's grants: those made on the fallback, or
   * all of its recent ones when Redis came back with another data set (it restarted empty).
   */
  private resync(): Promise<void> {
    // One write-back at a time, shared by every take that waits for it.
    this.resyncing ??= this.writeBack().finally(() => (this.resyncing = undefined));
    return this.resyncing;
  }

  private async writeBack(): Promise<void> {
    const generation = await this.redis.call(
      'write-back',
      async () => {
        const current = String(
          // A new name each time: a Redis that restarted empty must not get the name it had.
          await this.client.eval(GENERATION_SCRIPT, 1, `${this.prefix}:generation`, randomUUID()),
        );
        const lost = this.generation !== null && current !== this.generation;
        for (const account of new Set([...this.local.keys(), ...this.unsynced.keys()])) {
          const grants = (lost ? this.local : this.unsynced).entries(account);
          if (grants.length === 0) continue;
          // Stable members, so that a grant written back twice still counts once.
          const nths = new Map<number, number>();
          const pairs = grants.flatMap((at) => {
            const nth = (nths.get(at) ?? 0) + 1;
            nths.set(at, nth);
            return [String(at), `${this.member}:${at}:${nth}`];
          });
          await this.client.eval(
            RESEED_SCRIPT,
            1,
            `${this.prefix}:${account}`,
            String(this.limit.durationMs),
            ...pairs,
          );
        }
        return current;
      },
      FAILED,
    );
    if (generation === FAILED) return this.loseContact();
    this.generation = generation;
    this.unsynced.clear();
    this.outOfSync = false;
  }

  health(): RateLimiterHealth {
    return this.redis.health();
  }

  async close(): Promise<void> {
    this.lifetime.abort();
    await this.redis.close();
  }

  private async consume(
    account: string,
  ): Promise<
    { granted: true; used: number } | { granted: false; retryInMs: number; used: number }
  > {
    try {
      const granted = await this.store.consume(account);
      return { granted: true, used: granted.consumedPoints };
    } catch (refusal) {
      // A refusal is Redis answering, not failing: it must not count towards opening the circuit.
      if (refusal instanceof RateLimiterRes)
        return {
          granted: false,
          retryInMs: refusal.msBeforeNext,
          used: refusal.consumedPoints - 1,
        };
      throw refusal;
    }
  }
}
