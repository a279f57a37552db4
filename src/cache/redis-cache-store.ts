import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import {
  CircuitState,
  ConsecutiveBreaker,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  timeout,
  wrap,
} from 'cockatiel';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { type Clock, SystemClock } from '../common/clock.js';
import { CacheStore, type Lease, type StoreHealth, type StoredEntry } from './cache-store.js';
import { type RedisTarget, parseRedisUrl, redactRedisUrl } from './redis-url.js';

export interface RedisCacheStoreOptions {
  /** `redis://`, `rediss://`, or a comma-separated list of Cluster node URLs. */
  url: string;
  /** Namespaces every key and the pub/sub channel; must not contain `{` or `}`. */
  prefix: string;
  clock?: Clock;
  /** Bound on every Redis call, in ms; default 150. */
  commandTimeoutMs?: number;
  /** Consecutive failures that open the circuit (default 5), and how long it stays open (5000). */
  breaker?: { failures: number; halfOpenAfterMs: number };
  /** How long `connect()` waits for the first ready connection before going on degraded; 1000. */
  startupTimeoutMs?: number;
}

type Client = Redis | Cluster;

/** The commands `defineCommand` adds at run time, where TypeScript cannot see them. */
interface Scripts {
  cacheAcquire(...keysThenArgs: (string | number)[]): Promise<number | null>;
  cacheFulfil(...keysThenArgs: (string | number | Buffer)[]): Promise<number>;
}

// KEYS: lock, fence, value. ARGV: token, leaseMs, fenceTtlMs. The fence never falls below the stored
// entry's, so that a counter that expired while its entry lived on cannot hand out a losing fence.
const ACQUIRE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local fence = redis.call('INCR', KEYS[2])
local stored = tonumber(redis.call('HGET', KEYS[3], 'n'))
if stored and stored >= fence then
  fence = stored + 1
  redis.call('SET', KEYS[2], fence)
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return fence`;

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
/** How often a waiter checks that the lock still exists: pub/sub messages are lost on reconnect. */
const LOCK_POLL_MS = 100;
const WARN_EVERY_MS = 5_000;
const MAX_RECONNECT_DELAY_MS = 2_000;
const QUIT_TIMEOUT_MS = 500;
const FAILED = Symbol('failed');

/**
 * The store shared by every replica. Redis is an optimization here, never a dependency: each call
 * is bounded by a timeout and a circuit breaker, and on any failure the store answers as a miss.
 */
export class RedisCacheStore extends CacheStore {
  private readonly logger = new Logger(RedisCacheStore.name);
  private readonly clock: Clock;
  private readonly channel: string;
  private readonly breaker;
  private readonly policy;
  private readonly scripts: Scripts;
  private readonly waiters = new Map<string, Set<() => void>>();
  private pollTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  /** The latest failure of a call, and of the connection: the why of a degraded health(). */
  private callError = '';
  private connectionError = '';
  private quietUntil = 0;
  private suppressed = 0;
  private closed = false;
  /**
   * Every call runs under this signal: each concurrent call's timeout listens on it, so it may have
   * many listeners at once, and closing the store aborts the calls still running.
   */
  private readonly lifetime = new AbortController();

  /** Connects, waiting a bounded time for Redis; a store whose Redis is down works, degraded. */
  static async connect(options: RedisCacheStoreOptions): Promise<RedisCacheStore> {
    if (/[{}]/.test(options.prefix)) {
      throw new Error('The Redis key prefix must not contain { or }: they delimit the hash tag');
    }
    const target = parseRedisUrl(options.url);
    const store = new RedisCacheStore(target, options, createClient(target), createClient(target));
    await store.start(options.startupTimeoutMs ?? 1_000);
    return store;
  }

  private constructor(
    private readonly target: RedisTarget,
    private readonly options: RedisCacheStoreOptions,
    private readonly client: Client,
    /** Subscriber mode takes a connection over, hence a second one, shared by every waiter. */
    private readonly subscriber: Client,
  ) {
    super();
    setMaxListeners(0, this.lifetime.signal);
    this.clock = options.clock ?? new SystemClock();
    this.channel = `${options.prefix}filled`;
    const { failures = 5, halfOpenAfterMs = 5_000 } = options.breaker ?? {};
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(failures),
    });
    // Aggressive: a Redis that does not answer must not hold a request, whatever it does later.
    this.policy = wrap(
      this.breaker,
      timeout(options.commandTimeoutMs ?? 150, TimeoutStrategy.Aggressive),
    );
    this.breaker.onBreak(() => {
      if (this.closed) return;
      this.warn(`circuit open after ${failures} consecutive failures`);
      for (const key of [...this.waiters.keys()]) this.wake(key);
      // Probe without waiting for traffic, so that health() turns ok again on an idle replica, and
      // again until the circuit closes: a probe can find it still open, which changes nothing.
      const probe = (): void => {
        clearTimeout(this.probeTimer);
        this.probeTimer = setTimeout(() => {
          void this.call('ping', () => client.ping(), 0).then(() => {
            if (!this.closed && this.breaker.state !== CircuitState.Closed) probe();
          });
        }, halfOpenAfterMs).unref();
      };
      probe();
    });
    this.breaker.onReset(() => this.logger.log(`Redis cache ${target.redacted} is back`));
    client.defineCommand('cacheAcquire', { numberOfKeys: 3, lua: ACQUIRE });
    client.defineCommand('cacheFulfil', { numberOfKeys: 2, lua: FULFIL });
    this.scripts = client as unknown as Scripts;
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    const fields = await this.call(
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

  async set(key: string, entry: StoredEntry): Promise<void> {
    const ttl = this.ttlOf(entry);
    const valueKey = this.valueKey(key);
    // `n` stays: a plain write must not let a late lease overwrite a newer value.
    const fields = { v: entry.value, t: entry.fetchedAt, f: entry.freshUntil, s: entry.staleUntil };
    await this.call(
      'set',
      async () => {
        if (ttl > 0) await this.client.multi().hset(valueKey, fields).pexpire(valueKey, ttl).exec();
        else await this.client.del(valueKey);
      },
      0,
    );
  }

  async acquire(key: string, leaseMs: number): Promise<Lease | null> {
    const token = randomUUID();
    const base = this.valueKey(key);
    const lease = Math.max(1, Math.ceil(leaseMs));
    const fence = await this.call(
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
    if (fence === null) return null;
    // A lease no one else knows of: the caller fetches itself, as it would without a cache.
    return { key, token, fence: fence === FAILED ? -1 : fence };
  }

  async fulfil(lease: Lease, entry: StoredEntry | null): Promise<void> {
    const base = this.valueKey(lease.key);
    const head = [base, `${base}:lock`, lease.token, lease.fence, this.channel, lease.key] as const;
    await this.call(
      'fulfil',
      () =>
        entry === null
          ? this.scripts.cacheFulfil(...head)
          : this.scripts.cacheFulfil(
              ...head,
              entry.value,
              entry.fetchedAt,
              entry.freshUntil,
              entry.staleUntil,
              this.ttlOf(entry),
            ),
      0,
    );
  }

  async waitFor(key: string, timeoutMs: number): Promise<StoredEntry | undefined> {
    if (this.closed || this.breaker.state === CircuitState.Open) return undefined;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.get(key)?.delete(done);
        if (this.waiters.get(key)?.size === 0) this.waiters.delete(key);
        if (this.waiters.size === 0) {
          clearInterval(this.pollTimer);
          this.pollTimer = undefined;
        }
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.set(key, (this.waiters.get(key) ?? new Set()).add(done));
      this.pollTimer ??= setInterval(() => {
        for (const waited of this.waiters.keys()) void this.wakeIfUnlocked(waited);
      }, LOCK_POLL_MS);
      // At once too: the holder may have fulfilled before this waiter was registered.
      void this.wakeIfUnlocked(key);
    });
    return this.get(key);
  }

  async clear(): Promise<number> {
    const pattern = `${this.options.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    let count = 0;
    try {
      for (const node of nodes) {
        let cursor = '0';
        do {
          const [next, keys] = await this.policy.execute(() =>
            node.scan(cursor, 'MATCH', pattern, 'COUNT', 500),
          );
          cursor = next;
          if (keys.length === 0) continue;
          // One UNLINK per key: a multi-key UNLINK fails across Cluster slots.
          const results = await this.policy.execute(() =>
            node.pipeline(keys.map((k) => ['unlink', k])).exec(),
          );
          count += results?.filter(([error, n]) => error === null && n === 1).length ?? 0;
        } while (cursor !== '0');
      }
    } catch (error) {
      this.warn('clear failed', error);
    }
    return count;
  }

  health(): StoreHealth {
    let detail: string | undefined;
    if (this.closed) detail = 'closed';
    else if (this.client.status !== 'ready') {
      const why = this.connectionError === '' ? '' : `: ${this.connectionError}`;
      detail = `connection ${this.client.status}${why}`;
    } else if (this.breaker.state !== CircuitState.Closed) {
      detail = `circuit open: ${this.callError}`;
    }
    return detail === undefined
      ? { store: 'redis', status: 'ok' }
      : { store: 'redis', status: 'degraded', detail };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.abort();
    clearTimeout(this.probeTimer);
    for (const key of [...this.waiters.keys()]) this.wake(key);
    await Promise.all([quit(this.client), quit(this.subscriber)]);
  }

  private async start(boundMs: number): Promise<void> {
    this.client.on('error', (error: Error) => {
      this.connectionError = this.warn('connection error', error);
    });
    this.client.on('ready', () => {
      this.connectionError = '';
    });
    this.subscriber.on('error', (error) => this.warn('subscriber connection error', error));
    this.subscriber.on('message', (_channel: string, key: string) => this.wake(key));
    // On every (re)connection: a subscription made while Redis was down never took.
    this.subscriber.on('ready', () => {
      this.subscriber
        .subscribe(this.channel)
        .catch((error) => this.warn('subscribe failed', error));
    });
    const ready = Promise.allSettled([this.client.connect(), this.subscriber.connect()]);
    await Promise.race([ready, delay(boundMs, undefined, { ref: false })]);
  }

  /** Runs one Redis call under the policy; on any failure logs (rate-limited) and returns `fallback`. */
  private async call<T, F>(
    operation: string,
    command: () => Promise<T>,
    fallback: F,
  ): Promise<T | F> {
    if (this.closed) return fallback;
    try {
      return await this.policy.execute(command, this.lifetime.signal);
    } catch (error) {
      this.callError = this.warn(`${operation} failed`, error);
      return fallback;
    }
  }

  private async wakeIfUnlocked(key: string): Promise<void> {
    const exists = await this.call(
      'waitFor',
      () => this.client.exists(`${this.valueKey(key)}:lock`),
      0,
    );
    if (exists === 0) this.wake(key);
  }

  private wake(key: string): void {
    for (const done of [...(this.waiters.get(key) ?? [])]) done();
  }

  private valueKey(key: string): string {
    // The braces make a hash tag: the value, lock and fence keys share a Cluster slot.
    return `${this.options.prefix}{${key}}`;
  }

  /** Relative, from our clock: a replica's clock and Redis's need not agree. */
  private ttlOf(entry: StoredEntry): number {
    return Math.ceil(entry.staleUntil - this.clock.now());
  }

  /** Logs at most one warning per WARN_EVERY_MS; returns the reason, scrubbed of credentials. */
  private warn(message: string, error?: unknown): string {
    const reason = error instanceof Error ? this.scrub(error.message).slice(0, 200) : '';
    const now = Date.now();
    if (now < this.quietUntil) {
      this.suppressed++;
      return reason;
    }
    this.quietUntil = now + WARN_EVERY_MS;
    const more = this.suppressed > 0 ? ` (${this.suppressed} more since the last warning)` : '';
    this.suppressed = 0;
    const why = reason === '' ? '' : `: ${reason}`;
    this.logger.warn(`Redis cache ${this.target.redacted}: ${message}${why}${more}`);
    return reason;
  }

  /** Belt and braces: no message that reaches a log or health() may carry the password. */
  private scrub(text: string): string {
    const { password } = this.target;
    const redacted = redactRedisUrl(text);
    return password ? redacted.split(password).join('***') : redacted;
  }
}

function createClient(target: RedisTarget): Client {
  // Reconnect forever, so that Redis coming back needs no restart of the gateway.
  const retryStrategy = (attempt: number): number =>
    Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** attempt);
  // `disconnectTimeout` (missing from the typings): how long ioredis keeps a timer for a socket it
  // closes, even one already closed; its 2 s default holds a shutting-down process that long.
  const connection: RedisOptions & { disconnectTimeout: number } = {
    ...(target.username !== undefined && { username: target.username }),
    ...(target.password !== undefined && { password: target.password }),
    ...(target.tls && { tls: {} }),
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    disconnectTimeout: 200,
  };
  // No offline queue: while disconnected, a call fails at once instead of waiting for a reconnect.
  if (target.cluster) {
    return new Cluster(target.nodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: retryStrategy,
      redisOptions: connection,
    });
  }
  return new Redis({
    ...connection,
    ...target.nodes[0],
    db: target.db,
    enableOfflineQueue: false,
    retryStrategy,
  });
}

async function quit(client: Client): Promise<void> {
  if (client.status === 'ready') {
    await Promise.race([client.quit().catch(() => 'OK'), delay(QUIT_TIMEOUT_MS)]);
  }
  // Also stops the reconnecting of a client that never got ready.
  if (client.status !== 'end') client.disconnect();
}
