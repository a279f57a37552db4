import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { Deadline } from '../src/domain/deadline.js';
import {
  RedisRateLimiter,
  type RedisRateLimiterOptions,
} from '../src/upstreams/rate-limit/redis-rate-limiter.js';
import { UpstreamError } from '../src/domain/upstream-error.js';
import {
  busiestWindow,
  rateLimiterContract,
} from '../src/upstreams/rate-limit/rate-limiter.spec.js';
import { RedisServer } from './redis-server.js';
import { REDIS_URL, countKeys, deletePrefix, testPrefix, until } from './utils.js';
import { keysUnder } from './redis-keys.js';

const prefixes: string[] = [];

function prefix(): string {
  const created = testPrefix('rate-limiter');
  prefixes.push(created);
  return created;
}

afterAll(async () => {
  for (const created of prefixes) await deletePrefix(REDIS_URL, created);
});

async function connect(
  options: Partial<RedisRateLimiterOptions> & Pick<RedisRateLimiterOptions, 'limit'>,
): Promise<RedisRateLimiter> {
  const limiter = await RedisRateLimiter.connect({
    provider: { name: 'cinnox', label: 'CINNOX' },
    url: REDIS_URL,
    prefix: prefix(),
    ...options,
  });
  // Else the contract would be testing the local fallback, not Redis. A loaded machine may take a
  // moment longer than the start-up bound to connect.
  try {
    await until(() => limiter.health().status === 'ok', 5_000);
  } catch (error) {
    await limiter.close();
    throw error;
  }
  return limiter;
}

rateLimiterContract('RedisRateLimiter', (limit) => connect({ limit }));

describe('RedisRateLimiter', () => {
  it('keeps every key of its limits, the callers’ shares included, under one hash tag', async () => {
    const own = prefix();
    const limiter = await connect({
      limit: { points: 10, durationMs: 1_000 },
      prefix: own,
      callerShare: 0.5,
    });
    try {
      for (const account of ['cinnox:app', 'cinnox:other']) {
        await limiter.take(account, { deadline: Deadline.after(1_000), caller: 'reports' });
      }
      const keys = await keysUnder(REDIS_URL, own);
      expect(keys.length).toBeGreaterThanOrEqual(4);
      // One hash tag: on a Cluster, one slot, so that every script finds its keys on one node.
      for (const key of keys) expect(key.startsWith(`${own}:{limits}:`)).toBe(true);
    } finally {
      await limiter.close();
    }
  });

  it('holds two replicas on one prefix to the limit together, in every window', async () => {
    const shared = prefix();
    const limit = { points: 10, durationMs: 1_000 };
    const replicas = await Promise.all([
      connect({ limit, prefix: shared }),
      connect({ limit, prefix: shared }),
    ]);
    const grants: number[] = [];
    const byReplica = [0, 0];
    const take = (i: number): Promise<void> =>
      replicas[i % 2].take('cinnox:app', { deadline: Deadline.after(15_000) }).then(() => {
        grants.push(performance.now());
        byReplica[i % 2]++;
      });
    try {
      const started = performance.now();
      // 4, then 36 more late in the window: a fixed window would grant 16 within one second.
      const early = Array.from({ length: 4 }, (_, i) => take(i));
      await delay(600);
      const late = Array.from({ length: 36 }, (_, i) => take(i));
      await Promise.all([...early, ...late]);
      const tookMs = performance.now() - started;
      console.log(`40 takes over 2 replicas at 10/s: ${tookMs} ms, split ${byReplica.join('/')}`);

      expect(grants).toHaveLength(40);
      // The times are taken when each grant reaches the test, late by as much as the event loop is
      // busy: a window 100 ms short of the limit's absorbs that and still holds only the limit,
      // where a fixed window would hold 16.
      expect(busiestWindow(grants, limit.durationMs - 100)).toBeLessThanOrEqual(limit.points);
      expect(Math.min(...byReplica)).toBeGreaterThan(0);
      // 4 at 0, 6 at 600, 4 at 1000, ... 6 at 3600: as fast as the limit allows, give or take.
      expect(tookMs).toBeGreaterThanOrEqual(3_600 - 30);
      expect(tookMs).toBeLessThan(3_600 + 1_000);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });

  describe('with its own redis-server', () => {
    const limit = { points: 10, durationMs: 1_000 };
    let server: RedisServer;

    afterAll(async () => {
      await server?.close();
    });

    it('falls back to its share of the limit while Redis is down, and recovers', async () => {
      server = await RedisServer.start();
      const own = prefix();
      const limiter = await connect({
        limit,
        url: server.url,
        prefix: own,
        expectedReplicas: 2,
        breaker: { failures: 3, halfOpenAfterMs: 300 },
      });
      try {
        await limiter.take('cinnox:app', { deadline: Deadline.after(1_000) });
        expect(await countKeys(server.url, `${own}:{limits}:cinnox:`)).toBe(1);
        await server.flush();

        await server.stop();
        const noticedMs = await until(() => limiter.health().status === 'degraded', 2_000);
        // The fallback share is 10 / 2 replicas, and this replica's grant of a moment ago counts.
        const { value: waits, ms } = await takes(limiter, 4);
        console.log(
          `down: noticed in ${noticedMs} ms; 4 takes in ${ms} ms, waits ${waits.join(',')}`,
        );
        expect(ms).toBeLessThan(300);
        const started = performance.now();
        await expect(
          limiter.take('cinnox:app', { deadline: Deadline.after(200) }),
        ).rejects.toMatchObject({ code: 'upstream_rate_limited' });
        expect(performance.now() - started).toBeLessThan(60);
        expect(limiter.health()).toMatchObject({
          store: 'redis',
          status: 'degraded',
          detail: expect.stringContaining('fallback') as unknown,
        });

        await server.start();
        const recoveredMs = await until(() => limiter.health().status === 'ok', 10_000);
        console.log(`restarted: health ok after ${recoveredMs} ms`);
        // Once the fallback grants have left the window, the whole limit is Redis's again.
        await delay(limit.durationMs);
        expect(await grantedNow(limiter, 10)).toBe(10);
        expect(await countKeys(server.url, `${own}:{limits}:cinnox:`)).toBe(1);
        await expect(limiter.take('cinnox:app', { deadline: Deadline.after(200) })).rejects.toThrow(
          UpstreamError,
        );
      } finally {
        await limiter.close();
      }
    });

    it('a Redis that restarts empty does not give the replicas the limit a second time', async () => {
      server ??= await RedisServer.start();
      await server.start();
      const own = prefix();
      const long = { points: 10, durationMs: 20_000 };
      const replicas = await Promise.all(
        [0, 1].map(() =>
          connect({ limit: long, url: server.url, prefix: own, expectedReplicas: 2 }),
        ),
      );
      try {
        // Uneven, as replicas behind a load balancer are: 7 and 3.
        expect(await grantedNow(replicas[0], 7)).toBe(7);
        expect(await grantedNow(replicas[1], 3)).toBe(3);
        expect(await grantedNow(replicas[1], 1)).toBe(0);

        await server.stop();
        // While it is down, the replica that used less may not take the other's excess.
        await until(
          () => replicas.every((replica) => replica.health().status === 'degraded'),
          5_000,
        );
        expect(await grantedNow(replicas[1], 5)).toBe(0);
        expect(await grantedNow(replicas[0], 5)).toBe(0);

        await server.start();
        await until(() => replicas.every((replica) => replica.health().status === 'ok'), 10_000);
        expect(await grantedNow(replicas[0], 5)).toBe(0);
        expect(await grantedNow(replicas[1], 5)).toBe(0);
        // The logs are whole again in the new Redis: ten grants of the last window.
        const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
        try {
          expect(await admin.zcard(`${own}:{limits}:cinnox:app`)).toBe(10);
        } finally {
          admin.disconnect();
        }
      } finally {
        await Promise.all(replicas.map((replica) => replica.close()));
      }
    });

    it('does not let a Redis that does not answer hold takes up', async () => {
      await server.start();
      const limiter = await connect({
        limit,
        url: server.url,
        commandTimeoutMs: 150,
        breaker: { failures: 2, halfOpenAfterMs: 300 },
      });
      const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
      try {
        await admin.call('CLIENT', 'PAUSE', '1000', 'ALL');
        const slow = await takes(limiter, 2);
        const fast = await takes(limiter, 1);
        console.log(`paused: 2 takes in ${slow.ms} ms, then 1 in ${fast.ms} ms`);
        // Each of the first two spends the command timeout, then the circuit opens.
        expect(slow.ms).toBeGreaterThanOrEqual(2 * 150 - 10);
        expect(slow.ms).toBeLessThan(2 * 150 + 200);
        expect(fast.ms).toBeLessThan(30);
        expect(limiter.health().status).toBe('degraded');
        const recoveredMs = await until(() => limiter.health().status === 'ok', 10_000);
        console.log(`unpaused: health ok ${recoveredMs} ms after the circuit opened`);
      } finally {
        admin.disconnect();
        await limiter.close();
      }
    });
  });
});

/** `count` takes one after another that may not wait: how many were granted at once. */
async function grantedNow(limiter: RedisRateLimiter, count: number): Promise<number> {
  let granted = 0;
  for (let i = 0; i < count; i++) {
    await limiter.take('cinnox:app', { deadline: Deadline.after(0) }).then(
      () => (granted += 1),
      () => undefined,
    );
  }
  return granted;
}

/** `count` takes one after another, each with a second to spare. */
async function takes(
  limiter: RedisRateLimiter,
  count: number,
): Promise<{ value: number[]; ms: number }> {
  const started = performance.now();
  const value: number[] = [];
  for (let i = 0; i < count; i++) {
    value.push(await limiter.take('cinnox:app', { deadline: Deadline.after(1_000) }));
  }
  return { value, ms: performance.now() - started };
}
