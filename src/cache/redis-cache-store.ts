import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { CircuitState } from 'cockatiel';
import { type Clock, SystemClock } from '../domain/clock.js';
import type { StoreHealth } from '../redis/store-health.js';
import type { HourCounts } from '../domain/hour-counts.js';
import { CacheStore, type Lease, type StoredEntry } from './cache-store.js';
import { FulfilRetries } from './fulfil-retries.js';
import { RedisHourCounts } from './redis-hour-counts.js';
import {
  FAILED,
  type GuardOptions,
  GuardedRedis,
  type RedisClient,
  createClient,
} from '../redis/guarded-redis.js';
import { type RedisTarget, parseRedisUrl } from '../redis/redis-url.js';
import { Waiters } from './waiters.js';

export interface RedisCacheStoreOptions extends GuardOptions {
  /** `redis://`, `rediss://`, or a comma-separated list of Cluster node URLs. */
  url: string;
  /** Namespaces every key and the pub/sub channel; must not contain `{` or `}`. */
  prefix: string;
  clock?: Clock;
  /** How long `connect()` waits for the first ready connection before going on degraded; 1000. */
  startupTimeoutMs?: number;
}

/** The commands `defineCommand` adds at run time, where TypeScript cannot see them. */
interface Scripts {
  cacheAcquire(...keysThenArgs: (string | number)[]): Promise<[number, string | null] | null>;
  cacheFulfil(...keysThenArgs: (string | number | Buffer)[]): Promise<number>;
}

// KEYS: lock, fence, value. ARGV: token, leaseMs, fenceTtlMs. The fence never falls below the stored
// entry's, so that a counter that expired while its entry lived on cannot hand out a losing fence.
// Returns false when the lock is held, else {fence, the stored entry's freshUntil or nil}.
const ACQUIRE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local fence = redis.call('INCR', KEYS[2])
local stored = tonumber(redis.call('HGET', KEYS[3], 'n'))
if stored and stored >= fence then
  fence = stored + 1
  redis.call('SET', KEYS[2], fence)
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {fence, redis.call('HGET', KEYS[3], 'f')}`;

// KEYS: value, lock. ARGV: token, fence, channel, key[, v, t, f, s, ttlMs].
const FULFIL = `
if ARGV[5] and tonumber(ARGV[9]) > 0 then
  local stored = tonumber(redis.call('HGET', KEYS[1], 'n'))
  if not stored or stored < tonumber(ARGV[2]) then
    redis.call('HSET', KEYS[1], 'v', ARGV[5], 't', ARGV[6], 'f', ARGV[7], 's', ARGV[8], 'n', ARGV[2])
    redis.call('PEXPIRE', KEYS[1], ARGV[9])
  end
end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 0`;

/** Outlives any lease by far, yet lets the counter of a key no one asks for again expire. */
const FENCE_TTL_MS = 86_400_000;
/**
 * How often a waiter looks at the lock: a message is lost when a connection breaks, and heard only
 * once the subscription is made.
 */
const LOCK_POLL_MS = 100;

/**
 * The store shared by every replica. Redis is an optimization here, never a dependency: each call
 * is bounded by a timeout and a circuit breaker, and on any failure the store answers as a miss.
 */
export class RedisCacheStore extends CacheStore {
  private readonly clock: Clock;
  private readonly channel: string;
  private readonly redis: GuardedRedis;
  private readonly client: RedisClient;
  /** Subscriber mode takes a connection over, hence a second one, shared by every waiter. */
  private readonly subscriber: RedisClient;
  /** Settles once the store first listens for fulfils. */
  private readonly subscribed: Promise<void>;
  private readonly scripts: Scripts;
  private readonly waiters = new Waiters();
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly retries: FulfilRetries;
  private readonly hours: RedisHourCounts;

  /** Connects, waiting a bounded time for Redis; a store whose Redis is down works, degraded. */
  static async connect(options: RedisCacheStoreOptions): Promise<RedisCacheStore> {
    if (/[{}]/.test(options.prefix)) {
      throw new Error('The Redis key prefix must not contain { or }: they delimit the hash tag');
    }
    const store = new RedisCacheStore(parseRedisUrl(options.url), options);
    const boundMs = options.startupTimeoutMs ?? 1_000;
    const started = performance.now();
    await store.redis.connect(boundMs, store.subscriber);
    // A waiter that comes before the subscription hears no fulfil. On a Cluster the subscription
    // takes a connection to a node of its own, a moment after the client is ready.
    const left = boundMs - (performance.now() - started);
    await Promise.race([store.subscribed, delay(Math.max(0, left), undefined, { ref: false })]);
    return store;
  }

  private constructor(
    target: RedisTarget,
    private readonly options: RedisCacheStoreOptions,
  ) {
    super();
    this.clock = options.clock ?? new SystemClock();
    this.channel = `${options.prefix}filled`;
    this.redis = new GuardedRedis(
      target,
      {
        context: RedisCacheStore.name,
        label: 'Redis cache',
        onBreak: () => this.waiters.wakeAll(),
      },
      options,
    );
    this.client = this.redis.client;
    this.subscriber = createClient(target);
    this.subscriber.on('error', (error) => this.redis.warn('subscriber connection error', error));
    this.subscriber.on('message', (_channel: string, key: string) => this.waiters.wake(key));
    // On every (re)connection: a subscription made while Redis was down never took.
    let markSubscribed: () => void = () => undefined;
    this.subscribed = new Promise((resolve) => (markSubscribed = resolve));
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.channel).then(
        () => markSubscribed(),
        (error: unknown) => this.redis.warn('subscribe failed', error),
      );
    });
    this.client.defineCommand('cacheAcquire', { numberOfKeys: 3, lua: ACQUIRE });
    this.client.defineCommand('cacheFulfil', { numberOfKeys: 2, lua: FULFIL });
    this.scripts = this.client as unknown as Scripts;
    this.retries = new FulfilRetries(this.redis, this.clock, (lease, entry) =>
      this.runFulfil(lease, entry),
    );
    this.hours = new RedisHourCounts(this.redis, options.prefix);
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    const fields = await this.redis.call(
      'get',
      () => this.client.hmgetBuffer(this.valueKey(key), 'v', 't', 'f', 's'),
      FAILED,
    );
    if (fields === FAILED) return undefined;
    const [value, fetchedAt, freshUntil, staleUntil] = fields;
    if (!value || !fetchedAt || !freshUntil || !staleUntil) return undefined;
    const entry = {
      value,
      fetchedAt: Number(fetchedAt.toString()),
      freshUntil: Number(freshUntil.toString()),
      staleUntil: Number(staleUntil.toString()),
    };
    // Redis expires by its own clock; this keeps the answer exact by ours.
    return entry.staleUntil > this.clock.now() ? entry : undefined;
  }

  async freshness(keys: readonly string[]): Promise<Array<number | undefined>> {
    if (keys.length === 0) return [];
    // One field of each hash, sent back to back: one round trip, on a single node or a Cluster.
    const fields = await this.redis.call(
      'freshness',
      () => Promise.all(keys.map((key) => this.client.hget(this.valueKey(key), 'f'))),
      FAILED,
    );
    if (fields === FAILED) return keys.map(() => undefined);
    return fields.map((field) => (field === null ? undefined : Number(field)));
  }

  async acquire(key: string, leaseMs: number): Promise<Lease | null> {
    const token = randomUUID();
    const base = this.valueKey(key);
    const lease = Math.max(1, Math.ceil(leaseMs));
    const acquired = await this.redis.call(
      'acquire',
      () =>
        this.scripts.cacheAcquire(
          `${base}:lock`,
          `${base}:fence`,
          base,
          token,
          lease,
          FENCE_TTL_MS,
        ),
      FAILED,
    );
    if (acquired === null) return null;
    // A lease no one else knows of: the caller fetches itself, as it would without a cache.
    if (acquired === FAILED) return { key, token, fence: -1 };
    const [fence, freshUntil] = acquired;
    return { key, token, fence, storedFreshUntil: freshUntil === null ? 0 : Number(freshUntil) };
  }

  async fulfil(lease: Lease, entry: StoredEntry | null): Promise<void> {
    const done = await this.redis.call('fulfil', () => this.runFulfil(lease, entry), FAILED);
    if (done === FAILED) this.retries.keep(lease, entry);
  }

  private runFulfil(lease: Lease, entry: StoredEntry | null): Promise<number> {
    const base = this.valueKey(lease.key);
    const head = [base, `${base}:lock`, lease.token, lease.fence, this.channel, lease.key] as const;
    return entry === null
      ? this.scripts.cacheFulfil(...head)
      : this.scripts.cacheFulfil(
          ...head,
          entry.value,
          entry.fetchedAt,
          entry.freshUntil,
          entry.staleUntil,
          this.ttlOf(entry),
        );
  }

  async waitFor(key: string, timeoutMs: number): Promise<StoredEntry | undefined> {
    if (this.redis.closed || this.redis.circuit === CircuitState.Open) return undefined;
    const waiting = this.waiters.wait(key, timeoutMs);
    this.pollTimer ??= setInterval(() => {
      for (const waited of this.waiters.keys()) void this.checkLock(waited);
    }, LOCK_POLL_MS);
    // At once too: the holder may have fulfilled before this waiter was registered.
    void this.checkLock(key);
    await waiting;
    if (this.waiters.size === 0) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
    return this.get(key);
  }

  putHourCounts(scope: string, counts: HourCounts): Promise<void> {
    return this.hours.put(scope, counts);
  }

  hourCounts(scope: string, from: number, to: number): Promise<HourCounts> {
    return this.hours.read(scope, from, to);
  }

  health(): StoreHealth {
    return this.redis.health();
  }

  async close(): Promise<void> {
    if (this.redis.closed) return;
    this.retries.close();
    const closing = this.redis.close(this.subscriber);
    this.waiters.wakeAll();
    await closing;
  }

  /** Tells the waiters of `key` who holds its lock; a fill that ended wakes them. */
  private async checkLock(key: string): Promise<void> {
    const holder = await this.redis.call(
      'waitFor',
      () => this.client.get(`${this.valueKey(key)}:lock`),
      FAILED,
    );
    // A Redis that cannot say lets them go: they fetch for themselves rather than wait on it.
    this.waiters.observe(key, holder === FAILED ? null : holder);
  }

  private valueKey(key: string): string {
    // The braces make a hash tag: the value, lock and fence keys share a Cluster slot.
    return `${this.options.prefix}{${key}}`;
  }

  /** Relative, from our clock: a replica's clock and Redis's need not agree. */
  private ttlOf(entry: StoredEntry): number {
    return Math.ceil(entry.staleUntil - this.clock.now());
  }
}
