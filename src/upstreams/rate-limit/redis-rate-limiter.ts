import { randomUUID } from 'node:crypto';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import {
  FAILED,
  type GuardOptions,
  GuardedRedis,
  type RedisClient,
} from '../../redis/guarded-redis.js';
import { parseRedisUrl } from '../../redis/redis-url.js';
import {
  type Attempt,
  type RateLimiterHealth,
  type RateLimiterOptions,
  WaitingRateLimiter,
  replicaShare,
} from './rate-limiter.js';
import { GENERATION_SCRIPT, RESEED_SCRIPT, slidingLogScript } from './redis-scripts.js';
import { CallerShares } from './caller-shares.js';
import { SlidingLog } from './sliding-log.js';

export interface RedisRateLimiterOptions extends RateLimiterOptions, GuardOptions {
  /** `redis://` or `rediss://` (TLS), or a comma-separated list of Redis Cluster nodes. */
  url: string;
  /**
   * Namespaces every key: a key is `<prefix>:{limits}:<account>`. The hash tag puts every key of
   * every limit in one slot of a Cluster, so that the scripts reach them all on one node, and the
   * generation that tells whether that node lost its data lives beside them.
   */
  prefix: string;
  /**
   * Replicas sharing the limit; while Redis cannot answer, each replica keeps to
   * `floor(points / expectedReplicas)` on its own so that the fleet stays under the limit. Default 2.
   */
  expectedReplicas?: number;
  /** Each caller's share of the limit (0 to 1), counted in the same Redis; none: no shares. */
  callerShare?: number;
  /** How long `connect()` waits for the first ready connection before going on degraded; 1000. */
  startupTimeoutMs?: number;
}

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
  private readonly redis: GuardedRedis;
  private readonly client: RedisClient;
  private readonly store: RateLimiterRedis;
  private readonly local: SlidingLog;
  /** Grants made while Redis could not answer, not yet written back. */
  private readonly unsynced: SlidingLog;
  private readonly fallbackPoints: number;
  private readonly replicas: number;
  private readonly prefix: string;
  /**
   * On a Cluster, the replica promoted in a failover may lack the last grants its master took:
   * after contact is lost, every recent grant of this replica is written back, not only those of
   * the fallback. Grants Redis still holds are then counted twice for a window: the fleet keeps
   * under the limit, at the cost of a little of it.
   */
  private readonly cluster: boolean;
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
    this.cluster = target.cluster;
    this.redis = new GuardedRedis(
      target,
      {
        context: RedisRateLimiter.name,
        label: 'Rate limiter Redis',
        meanwhile: 'on the local fallback',
      },
      options,
    );
    this.client = this.redis.client;
    if (options.callerShare !== undefined && options.callerShare < 1) {
      this.shares = new CallerShares(
        Math.max(1, Math.floor(this.limit.points * options.callerShare)),
        this.limit.durationMs,
        { redis: this.redis, prefix: `${options.prefix}:{limits}:share`, replicas },
      );
    }
    this.prefix = `${options.prefix}:{limits}`;
    this.local = new SlidingLog(this.limit.durationMs, this.clock);
    this.unsynced = new SlidingLog(this.limit.durationMs, this.clock);
    this.store = new RateLimiterRedis({
      storeClient: this.client,
      keyPrefix: this.prefix,
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
        const lost = this.cluster || (this.generation !== null && current !== this.generation);
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
