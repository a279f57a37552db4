import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { MemoryCacheStore, storedBytes } from '../src/cache/memory-cache-store.js';
import { RedisCacheStore, type RedisCacheStoreOptions } from '../src/cache/redis-cache-store.js';
import { createClient } from '../src/redis/guarded-redis.js';
import { parseRedisUrl } from '../src/redis/redis-url.js';
import {
  FakeClock,
  describeCacheStoreContract,
  entryAt,
  mustAcquire,
  put,
  timed,
} from './cache-store.contract.js';
import { ReadyCheckProxy } from './ready-check-proxy.js';
import { RedisServer } from './redis-server.js';
import { adminRedis, deletePrefix } from './redis-keys.js';
import { until } from './utils.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every key this file writes to the shared Redis starts with it; afterAll deletes them. */
const ROOT = `test:${randomUUID().slice(0, 8)}:`;

const logged: string[] = [];
beforeAll(() => {
  const capture = (message: string): void => void logged.push(message);
  Logger.overrideLogger({ log: capture, warn: capture, error: capture });
});
afterAll(() => {
  Logger.overrideLogger(new ConsoleLogger());
});

/** Polls `condition` every 50 ms until it holds; fails after `boundMs`. */
describeCacheStoreContract('MemoryCacheStore', () => {
  const clock = new FakeClock();
  const store = new MemoryCacheStore({ maxBytes: 1_000_000_000, clock });
  return Promise.resolve({ store, replica: store, clock, cleanup: () => store.close() });
});

describe('MemoryCacheStore', () => {
  it('expires entries and leases by its clock', async () => {
    const clock = new FakeClock();
    const store = new MemoryCacheStore({ maxBytes: 10_000_000, clock });
    await put(store, 'k', entryAt(clock, 'x', 60_000));
    await store.acquire('k', 60_000);
    clock.advance(60_001);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.acquire('k', 1000)).not.toBeNull();
  });

  it('keeps at most maxBytes of entries, dropping the least recently used', async () => {
    const clock = new FakeClock();
    const value = 'x'.repeat(1000);
    const bytes = storedBytes('a', entryAt(clock, value));
    const store = new MemoryCacheStore({ maxBytes: 2 * bytes, clock });
    await put(store, 'a', entryAt(clock, value));
    await put(store, 'b', entryAt(clock, value));
    await store.get('a');
    await put(store, 'c', entryAt(clock, value));
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBeDefined();
    expect(await store.get('c')).toBeDefined();
    // An entry larger than the whole store is not kept, and evicts nothing.
    await put(store, 'd', entryAt(clock, 'x'.repeat(3 * bytes)));
    expect(await store.get('d')).toBeUndefined();
    expect(await store.get('c')).toBeDefined();
  });
});

describe('RedisCacheStore on the shared Redis', () => {
  const admin = adminRedis(REDIS_URL);
  let stores = 0;
  const connect = (prefix: string, clock: FakeClock): Promise<RedisCacheStore> =>
    RedisCacheStore.connect({ url: REDIS_URL, prefix, clock });

  afterAll(async () => {
    await deletePrefix(REDIS_URL, ROOT);
    admin.disconnect();
  });

  describeCacheStoreContract('RedisCacheStore', async () => {
    const prefix = `${ROOT}${++stores}:`;
    const clock = new FakeClock();
    const [store, replica] = await Promise.all([connect(prefix, clock), connect(prefix, clock)]);
    return {
      store,
      replica,
      clock,
      cleanup: async () => {
        await Promise.all([store.close(), replica.close()]);
      },
    };
  });

  it('keeps a slice as a hash tagged for one Cluster slot, expiring at staleUntil', async () => {
    const prefix = `${ROOT}layout:`;
    const clock = new FakeClock();
    const store = await connect(prefix, clock);
    try {
      await put(store, 's1', entryAt(clock, 'x', 60_000));
      const lease = await store.acquire('s2', 5_000);
      expect(await admin.hkeys(`${prefix}{s1}`)).toEqual(['v', 't', 'f', 's', 'n']);
      expect(await admin.pttl(`${prefix}{s1}`)).toBeGreaterThan(59_000);
      expect(await admin.get(`${prefix}{s2}:lock`)).toBe(lease?.token);
      expect(await admin.pttl(`${prefix}{s2}:lock`)).toBeGreaterThan(4_000);
      expect(Number(await admin.get(`${prefix}{s2}:fence`))).toBe(lease?.fence);
      expect(await admin.pttl(`${prefix}{s2}:fence`)).toBeGreaterThan(3_600_000);
    } finally {
      await store.close();
    }
  });
});

describe('RedisCacheStore when Redis fails', () => {
  let server: RedisServer;
  let store: RedisCacheStore | undefined;
  const clock = new FakeClock();
  const connect = (options: Partial<RedisCacheStoreOptions> = {}): Promise<RedisCacheStore> =>
    RedisCacheStore.connect({
      url: server.url,
      prefix: 'chaos:',
      clock,
      commandTimeoutMs: 100,
      breaker: { failures: 3, halfOpenAfterMs: 300 },
      ...options,
    }).then((connected) => (store = connected));
  /** Runs `during` while Redis holds every client's commands: connected, but not answering. */
  const whilePaused = async (ms: number, during: () => Promise<void>): Promise<void> => {
    const admin = new Redis(server.url);
    try {
      await admin.call('CLIENT', 'PAUSE', String(ms), 'ALL');
      await during();
      await admin.ping(); // answered once the pause is over: the next test finds Redis responsive
    } finally {
      admin.disconnect();
    }
  };

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await server.start();
  });
  afterAll(() => server.close());

  it('answers fast and degraded while Redis is down, and recovers when it is back', async () => {
    const redis = await connect();
    await put(redis, 'k', entryAt(clock, 'before'));
    await server.stop();

    const get = await timed(() => redis.get('k'));
    const set = await timed(() => put(redis, 'k', entryAt(clock, 'x')));
    const acquire = await timed(() => redis.acquire('k', 5_000));
    const waitFor = await timed(() => redis.waitFor('k', 10_000));
    expect(get.value).toBeUndefined();
    expect(acquire.value).toEqual({ key: 'k', token: expect.any(String), fence: -1 });
    expect(waitFor.value).toBeUndefined();
    for (const call of [get, set, acquire, waitFor]) expect(call.ms).toBeLessThan(300);
    expect(redis.health()).toEqual({
      store: 'redis',
      status: 'degraded',
      detail: expect.any(String),
    });

    await server.start();
    await until(() => redis.health().status === 'ok', 10_000);
    const after = entryAt(clock, 'after');
    await put(redis, 'k', after);
    expect(await redis.get('k')).toEqual(after);
  });

  it('starts degraded when Redis is down, and recovers without a new store', async () => {
    await server.stop();
    const { value: redis, ms } = await timed(() => connect());
    expect(ms).toBeLessThan(1_500);
    expect(redis.health().status).toBe('degraded');
    expect(await redis.get('k')).toBeUndefined();

    await server.start();
    await until(() => redis.health().status === 'ok', 10_000);
    const stored = entryAt(clock, 'stored');
    await put(redis, 'k', stored);
    expect(await redis.get('k')).toEqual(stored);
  });

  it('shrugs off a flush: entries miss, and the waiters of a lost lock stop waiting', async () => {
    const redis = await connect();
    await put(redis, 'k', entryAt(clock, 'flushed'));
    await mustAcquire(redis, 'slice', 10_000);
    const waiting = timed(() => redis.waitFor('slice', 10_000));
    const admin = new Redis(server.url);
    await admin.flushall();
    admin.disconnect();

    const { value, ms } = await waiting;
    expect(value).toBeUndefined();
    expect(ms).toBeLessThan(1_000);
    expect(await redis.get('k')).toBeUndefined();
    const refilled = entryAt(clock, 'refilled');
    await redis.fulfil(await mustAcquire(redis, 'slice', 10_000), refilled);
    expect(await redis.get('slice')).toEqual(refilled);
    expect(redis.health().status).toBe('ok');
  });

  it('times a slow Redis out at commandTimeoutMs, and answers again once it is back', async () => {
    const redis = await connect({ commandTimeoutMs: 150 });
    const stored = entryAt(clock, 'stored');
    await put(redis, 'k', stored);
    await whilePaused(800, async () => {
      const { value, ms } = await timed(() => redis.get('k'));
      expect(value).toBeUndefined();
      expect(ms).toBeGreaterThanOrEqual(145);
      expect(ms).toBeLessThan(400);
    });
    expect(await redis.get('k')).toEqual(stored);
  });

  it('makes a fulfil Redis did not take again once it answers: the entry stored, the lock gone', async () => {
    const redis = await connect({ commandTimeoutMs: 100 });
    const other = await connect({ commandTimeoutMs: 100 });
    try {
      const lease = await mustAcquire(redis, 'k', 30_000);
      const stored = entryAt(clock, 'filled');
      await whilePaused(400, async () => {
        // The fill ends while Redis does not answer: its lock would stand for 30 s.
        await redis.fulfil(lease, stored);
        expect(await redis.get('k')).toBeUndefined();
      });
      // Another replica's waiter is woken by the fulfil made again, long before the lease ends.
      const { value, ms } = await timed(() => other.waitFor('k', 10_000));
      expect(value).toEqual(stored);
      expect(ms).toBeLessThan(2_000);
      expect(await other.acquire('k', 1_000)).not.toBeNull();
    } finally {
      // `connect` keeps only the last store for afterEach to close.
      await Promise.all([redis.close(), other.close()]);
    }
  });

  it('wakes a waiter whose wake-up was lost once it sees the lock held by another fill', async () => {
    const waiter = await connect();
    const filler = await connect();
    const admin = new Redis(server.url);
    try {
      const lease = await mustAcquire(filler, 'lost', 10_000);
      const waiting = timed(() => waiter.waitFor('lost', 10_000));
      // The subscriptions dropped: the fulfil's message reaches nobody, and the lock is taken
      // again at once, so that only who holds it tells the waiter its fill is over.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      const filled = entryAt(clock, 'filled');
      await filler.fulfil(lease, filled);
      await mustAcquire(filler, 'lost', 10_000);

      const { value, ms } = await waiting;
      expect(value).toEqual(filled);
      expect(ms).toBeLessThan(1_000);
    } finally {
      admin.disconnect();
      await Promise.all([waiter.close(), filler.close()]);
    }
  });

  it('leaves nothing unhandled when a subscribed connection closes during its ready check', async () => {
    const refused: unknown[] = [];
    const listener = (reason: unknown): void => void refused.push(reason);
    process.on('unhandledRejection', listener);
    const proxy = await ReadyCheckProxy.start(server.port);
    const client = createClient(parseRedisUrl(`redis://127.0.0.1:${proxy.port}`)) as Redis;
    client.on('error', () => undefined);
    const admin = new Redis(server.url);
    try {
      await client.connect();
      await client.subscribe('channel');
      proxy.holdAnswersToInfo();
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await proxy.infoHeld;
      // The reconnection's ready check is asked and not yet answered: the answer comes to a
      // connection that can no longer write, as when a store closes while reconnecting.
      client.disconnect();
      proxy.release();
      await proxy.drained;
      await admin.ping(); // a round trip more, for a late rejection to surface
      expect(refused.map(String)).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
      admin.disconnect();
      client.disconnect();
      await proxy.close();
    }
  });

  it('opens the circuit after the configured consecutive failures; calls then return at once', async () => {
    const redis = await connect({ breaker: { failures: 3, halfOpenAfterMs: 60_000 } });
    await whilePaused(1_000, async () => {
      for (let i = 0; i < 3; i++) {
        expect((await timed(() => redis.get('k'))).ms).toBeGreaterThanOrEqual(95);
      }
      const get = await timed(() => redis.get('k'));
      const acquire = await timed(() => redis.acquire('k', 5_000));
      const waitFor = await timed(() => redis.waitFor('k', 10_000));
      for (const call of [get, acquire, waitFor]) expect(call.ms).toBeLessThan(20);
      expect(acquire.value?.fence).toBe(-1);
      expect(redis.health()).toEqual({
        store: 'redis',
        status: 'degraded',
        detail: expect.stringContaining('circuit open'),
      });
    });
  });

  it('never shows the password, in health() or in the logs', async () => {
    const secured = await RedisServer.start(['--requirepass', 'the-Right-pa55']);
    try {
      logged.length = 0;
      const url = `redis://:wr0ng-Pa55word@127.0.0.1:${secured.port}`;
      const redis = await connect({ url });
      expect(await redis.get('k')).toBeUndefined();
      const { detail } = redis.health();
      expect(detail).toMatch(/WRONGPASS|NOAUTH|auth/i);
      expect(logged.length).toBeGreaterThan(0);
      for (const text of [detail, ...logged]) {
        expect(text).not.toContain('wr0ng-Pa55word');
        expect(text).not.toContain('the-Right-pa55');
      }
    } finally {
      await store?.close();
      await secured.close();
    }
  });
});
