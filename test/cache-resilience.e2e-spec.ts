import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { CacheStore } from '../src/cache/cache-store.js';
import { RedisCacheStore } from '../src/cache/redis-cache-store.js';
import { sliceKey } from '../src/cache/slice-key.js';
import { ProviderRegistry } from '../src/upstreams/provider-registry.js';
import { RedisServer } from './redis-server.js';
import {
  DAY,
  HOUR,
  countKeys,
  gatewayEnv,
  resetStats,
  startGateway,
  startSimulators,
  testPrefix,
  upstreamRequests,
  type Gateway,
  type PageBody,
  type Simulators,
  iso,
  PINNED_NOW,
  until,
} from './utils.js';

describe('the slice cache when Redis or a lock holder fails', () => {
  let sims: Simulators;
  let redis: RedisServer;
  let gateway: Gateway;
  let prefix: string;
  const midnight = Math.floor(PINNED_NOW / DAY) * DAY;
  const query = (days: number) => ({
    since: iso(midnight - days * DAY),
    until: iso(midnight - (days - 1) * DAY),
    limit: '50',
  });

  beforeAll(async () => {
    sims = await startSimulators({ seed: 9 });
    redis = await RedisServer.start();
    prefix = testPrefix('resilience');
    gateway = await startGateway(
      gatewayEnv(sims, { REDIS_URL: redis.url, CACHE_PREFIX: prefix, CACHE_LOCK_LEASE_MS: '800' }),
      sims.clock,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await redis.close();
    await sims.close();
  });

  it('a lock whose holder died delays a request by the lease at most, never deadlocks it', async () => {
    const registry = gateway.app.get(ProviderRegistry);
    const cinnox = registry.get('cinnox')!;
    // The walk's first slice: the hour that ends the window.
    const first = { from: midnight - DAY - HOUR, to: midnight - DAY };
    const holder = await RedisCacheStore.connect({ url: redis.url, prefix });
    try {
      // A replica takes the fill lock of the slice and dies without fulfilling it.
      const lease = await holder.acquire(sliceKey(cinnox, first, {}), 800);
      expect(lease).not.toBeNull();
      resetStats(sims);
      const started = performance.now();
      const response = await gateway.http
        .get('/call-logs')
        .query({ ...query(2), provider: 'cinnox' });
      const elapsed = performance.now() - started;
      expect(response.status).toBe(200);
      expect(upstreamRequests(sims).cinnox).toBeGreaterThan(0);
      // It waited for the dead holder's lease to lapse, then fetched itself.
      expect(elapsed).toBeGreaterThan(500);
      expect(elapsed).toBeLessThan(3000);
      expect(response.headers['cache-status']).toContain('gateway-cinnox; fwd=miss; stored');
    } finally {
      await holder.close();
    }
  });

  it('a fill its request stopped waiting for is finished before shutdown: its lease released, its slice kept', async () => {
    const own = testPrefix('left-behind');
    const leaving = await startGateway(
      gatewayEnv(sims, { REDIS_URL: redis.url, CACHE_PREFIX: own }),
      sims.clock,
    );
    const keys = new Redis(redis.url);
    try {
      // Kaleyra answers after the request has given up: the fill goes on without it.
      sims.kaleyra.setFaults({ latencyMs: 400 });
      const response = await leaving.http
        .get('/call-logs')
        .query({ ...query(3), provider: 'kaleyra' })
        .set('x-request-timeout', '100');
      expect(response.status).toBe(504);
      await leaving.close();
      sims.kaleyra.resetFaults();
      expect(await keys.keys(`${own}*:lock`)).toEqual([]);
      expect((await keys.keys(`${own}*kaleyra*`)).length).toBeGreaterThan(0);
    } finally {
      sims.kaleyra.resetFaults();
      keys.disconnect();
    }
  });

  it('Redis stopped mid-run: every request still succeeds from the upstreams, readiness says degraded', async () => {
    await gateway.http.get('/call-logs').query(query(3));
    await redis.stop();
    resetStats(sims);
    for (let i = 0; i < 10; i += 1) {
      const started = performance.now();
      const response = await gateway.http.get('/call-logs').query(query(3 + (i % 2)));
      expect(response.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(2000);
      expect((response.body as PageBody).meta.providers.every((meta) => meta.status === 'ok')).toBe(
        true,
      );
    }
    expect(upstreamRequests(sims).cinnox).toBeGreaterThan(0);
    const ready = await gateway.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'degraded',
      cache: { store: 'redis', status: 'degraded' },
    });
  });

  it('Redis back: caching resumes without a restart', async () => {
    await redis.start();
    expect(await countKeys(redis.url, prefix)).toBe(0);
    await until(
      async () => {
        const ready = await gateway.http.get('/health/ready');
        return (ready.body as { status: string }).status === 'ok';
      },
      15_000,
      100,
    );
    await gateway.http.get('/call-logs').query(query(5));
    expect(await countKeys(redis.url, prefix)).toBeGreaterThan(0);
    resetStats(sims);
    const again = await gateway.http.get('/call-logs').query(query(5));
    expect(again.headers['cache-status']).toContain('gateway-cinnox; hit');
    expect(upstreamRequests(sims)).toEqual({ cinnox: 0, kaleyra: 0 });
  });

  it('Redis flushed: replicas keep answering, and the cache fills again', async () => {
    const window = { since: iso(midnight - 6 * DAY), until: iso(midnight - 6 * DAY + 6 * HOUR) };
    await gateway.http.get('/call-logs').query(window);
    await redis.flush();
    expect((await gateway.http.get('/call-logs').query(window)).status).toBe(200);

    const replica = await startGateway(
      gatewayEnv(sims, { REDIS_URL: redis.url, CACHE_PREFIX: prefix }),
      sims.clock,
    );
    try {
      resetStats(sims);
      const after = await replica.http.get('/call-logs').query(window);
      expect(after.status).toBe(200);
      expect(after.headers['cache-status']).toContain('gateway-cinnox; fwd=miss; stored');
      expect(upstreamRequests(sims).cinnox).toBeGreaterThan(0);
      expect(await countKeys(redis.url, prefix)).toBeGreaterThan(0);
    } finally {
      await replica.close();
    }
  });

  it('a cold slice costs one read of Redis: the lease tells that no other replica filled it', async () => {
    const admin = new Redis(redis.url);
    try {
      await admin.config('RESETSTAT');
      const body = (await gateway.http.get('/call-logs').query(query(1))).body as PageBody;
      const slices = body.meta.providers.reduce((sum, meta) => sum + meta.slices, 0);
      const stats = String(await admin.info('commandstats'));
      expect(slices).toBeGreaterThan(0);
      expect(Number(/cmdstat_hmget:calls=(\d+)/.exec(stats)?.[1])).toBe(slices);
    } finally {
      admin.disconnect();
    }
  });

  it('CACHE_REDIS_TIMEOUT_MS bounds every call of the cache store', async () => {
    const patient = await startGateway(
      gatewayEnv(sims, {
        REDIS_URL: redis.url,
        CACHE_PREFIX: prefix,
        CACHE_REDIS_TIMEOUT_MS: '600',
      }),
      sims.clock,
    );
    const admin = new Redis(redis.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const started = performance.now();
      expect(await patient.app.get(CacheStore).get('paused')).toBeUndefined();
      const ms = performance.now() - started;
      // The 150 ms default would have given up long before.
      expect(ms).toBeGreaterThanOrEqual(590);
      expect(ms).toBeLessThan(1_400);
      await admin.ping(); // answered once the pause is over
    } finally {
      admin.disconnect();
      await patient.close();
    }
  });
});
