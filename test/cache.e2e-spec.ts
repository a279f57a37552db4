import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SliceCache } from '../src/cache/slice-cache.js';
import {
  DAY,
  HOUR,
  REDIS_URL,
  deletePrefix,
  gatewayEnv,
  ids,
  oracle,
  resetStats,
  startGateway,
  startSimulators,
  testPrefix,
  upstreamRequests,
  walk,
  type Gateway,
  type PageBody,
  type Simulators,
  type TestClock,
  iso,
  resetFaults,
  KALEYRA_READINGS,
} from './utils.js';

/** The Cache-Status entry of one provider, as `[name, ...params]`. */
function cacheStatus(header: unknown, provider: string): string[] {
  const entry = String(header)
    .split(',')
    .map((part) => part.trim().split(/\s*;\s*/))
    .find(([name]) => name === `gateway-${provider}`);
  if (entry === undefined)
    throw new Error(`no Cache-Status entry for ${provider} in ${String(header)}`);
  return entry;
}

/** The windows each upstream was asked for, whatever the page. */
function upstreamSlices(sims: Simulators): { cinnox: Set<string>; kaleyra: Set<string> } {
  return {
    cinnox: new Set(
      sims.cinnox.stats().log.map(({ params }) => `${params.startAt}..${params.endAt}`),
    ),
    kaleyra: new Set(
      sims.kaleyra.stats().log.map(({ params }) => `${params.start_time}..${params.end_time}`),
    ),
  };
}

const ttlOf = (entry: string[]): number =>
  Number(entry.find((param) => param.startsWith('ttl='))?.slice(4));

describe.each(
  KALEYRA_READINGS.flatMap((paging) => [
    ['a shared Redis', paging, true] as const,
    ['the in-process store', paging, false] as const,
  ]),
)('the slice cache, in %s, Kaleyra reading page and offset as %s', (_store, paging, redis) => {
  const store = (prefix: string): Record<string, string> =>
    redis ? { REDIS_URL, CACHE_PREFIX: prefix } : {};
  let sims: Simulators;
  let now: number;
  const prefixes: string[] = [];
  const gateways: Gateway[] = [];

  /**
   * A gateway on the store, under `prefix` (a fresh one unless given, i.e. a cold cache), on a
   * clock of its own that a test may move on without moving the simulators'.
   */
  async function gateway(
    prefix = testPrefix('cache'),
    extra: Record<string, string> = {},
  ): Promise<Gateway & { clock: TestClock }> {
    prefixes.push(prefix);
    const clock = sims.clock.fork();
    const started = await startGateway(gatewayEnv(sims, { ...store(prefix), ...extra }), clock);
    gateways.push(started);
    return { ...started, clock };
  }

  beforeAll(async () => {
    sims = await startSimulators({ seed: 5, kaleyra: { paging } });
    now = sims.clock.now();
  });

  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((started) => started.close()));
    resetFaults(sims);
  });

  afterAll(async () => {
    await Promise.all(prefixes.map((prefix) => deletePrefix(REDIS_URL, prefix)));
    await sims.close();
  });

  const lastDays = (days: number): { since: number; until: number } => {
    const midnight = Math.floor(now / DAY) * DAY;
    return { since: midnight - days * DAY, until: midnight };
  };
  const params = (
    window: { since: number; until: number },
    extra: Record<string, string> = {},
  ) => ({
    since: iso(window.since),
    until: iso(window.until),
    ...extra,
  });

  it('a repeated query is a hit: no upstream request, the same page, Cache-Status and meta say so', async () => {
    const { http } = await gateway();
    const query = params(lastDays(2), { limit: '100' });
    resetStats(sims);
    const first = await http.get('/call-logs').query(query);
    expect(cacheStatus(first.headers['cache-status'], 'cinnox')).toEqual(
      expect.arrayContaining(['fwd=miss', 'stored']),
    );
    const fetched = upstreamRequests(sims);
    expect(fetched.cinnox).toBeGreaterThan(0);

    const second = await http.get('/call-logs').query(query);
    expect(upstreamRequests(sims)).toEqual(fetched);
    expect(ids((second.body as PageBody).data)).toEqual(ids((first.body as PageBody).data));
    expect(cacheStatus(second.headers['cache-status'], 'cinnox')[1]).toBe('hit');
    expect(cacheStatus(second.headers['cache-status'], 'kaleyra')[1]).toBe('hit');
    const meta = (second.body as PageBody).meta.providers;
    expect(meta.map((provider) => [provider.cache, provider.upstreamRequests])).toEqual([
      ['hit', 0],
      ['hit', 0],
    ]);
    expect(Date.parse(String(meta[0].fetchedAt))).toBeLessThanOrEqual(sims.clock.now());
  });

  it('a 7-day walk after a 1-day walk asks the upstreams only for the 6 missing days', async () => {
    const { http, app } = await gateway();
    const oneDay = lastDays(1);
    await walk(http, params(oneDay, { limit: '500' }));
    // What the walk read ahead has reached the upstreams before they are counted.
    await app.get(SliceCache).idle();
    resetStats(sims);
    const week = lastDays(7);
    const { records } = await walk(http, params(week, { limit: '500' }));
    expect(ids(records)).toEqual(ids(oracle(sims, week)));
    const asked = sims.cinnox
      .stats()
      .log.map((entry) => [Date.parse(entry.params.startAt), Date.parse(entry.params.endAt)]);
    expect(asked.length).toBeGreaterThan(0);
    for (const [from, to] of asked) {
      expect(to).toBeLessThanOrEqual(oneDay.since + 1000);
      expect(from).toBeGreaterThanOrEqual(week.since - 1000);
    }
  });

  it('a 1-day walk after a 7-day walk asks the upstreams nothing: its slices lie inside the week’s', async () => {
    const { http, app } = await gateway();
    const week = lastDays(7);
    await walk(http, params(week, { limit: '500' }));
    await app.get(SliceCache).idle();
    resetStats(sims);
    for (const [days, limit] of [
      [1, '500'],
      [3, '7'],
    ] as const) {
      const window = { since: week.since + DAY, until: week.since + (1 + days) * DAY };
      const { records } = await walk(http, params(window, { limit }));
      expect(ids(records)).toEqual(ids(oracle(sims, window)));
    }
    expect(upstreamRequests(sims)).toEqual({ cinnox: 0, kaleyra: 0 });
  });

  it('keeps an old slice fresh for a day and a slice near now for seconds', async () => {
    const { http } = await gateway();
    // Two days back: every slice of it closed, whatever the hour.
    const old = await http
      .get('/call-logs')
      .query(
        params({ since: now - 3 * DAY, until: now - 2 * DAY }, { limit: '5', provider: 'cinnox' }),
      );
    expect(ttlOf(cacheStatus(old.headers['cache-status'], 'cinnox'))).toBeGreaterThan(
      DAY / 1000 - 60,
    );
    const recent = await http
      .get('/call-logs')
      .query({ since: iso(now - HOUR), until: iso(now + HOUR), provider: 'cinnox' });
    const ttl = ttlOf(cacheStatus(recent.headers['cache-status'], 'cinnox'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  describe('past freshness (the clock moved on)', () => {
    const recentWindow = () => ({
      since: iso(now - 2 * HOUR),
      until: iso(now + HOUR),
      limit: '500',
    });

    it('serves a stale slice at once and refreshes it behind (stale-while-revalidate)', async () => {
      const started = await gateway();
      await started.http.get('/call-logs').query(recentWindow());
      started.clock.advance(31_000);
      resetStats(sims);

      const stale = await started.http.get('/call-logs').query(recentWindow());
      expect(stale.status).toBe(200);
      expect(cacheStatus(stale.headers['cache-status'], 'cinnox')).toContain('fwd=stale');
      expect((stale.body as PageBody).meta.providers.map((provider) => provider.cache)).toEqual([
        'stale',
        'stale',
      ]);
      await started.app.get(SliceCache).idle();
      const refreshed = upstreamRequests(sims);
      expect(refreshed.cinnox).toBeGreaterThan(0);

      const fresh = await started.http.get('/call-logs').query(recentWindow());
      expect(cacheStatus(fresh.headers['cache-status'], 'cinnox')[1]).toBe('hit');
      expect(upstreamRequests(sims)).toEqual(refreshed);
    });

    it('serves a stale slice when the provider fails, and says stale with its age (stale-if-error)', async () => {
      // One failure per request, and no circuit: the stale copy stands in for that failure.
      const started = await gateway(undefined, {
        UPSTREAM_RETRIES: '0',
        UPSTREAM_CIRCUIT_FAILURES: '1000',
      });
      const first = await started.http.get('/call-logs').query(recentWindow());
      started.clock.advance(95_000);
      sims.cinnox.setFaults({ errorRate: 1 });

      const response = await started.http
        .get('/call-logs')
        .query({ ...recentWindow(), refresh: 'true' });
      expect(response.status).toBe(200);
      const cinnox = (response.body as PageBody).meta
        .providers[0] as PageBody['meta']['providers'][0] & {
        ageSeconds?: number;
      };
      expect(cinnox).toMatchObject({
        status: 'stale',
        cache: 'stale-if-error',
        error: { code: 'upstream_unavailable' },
      });
      expect(cinnox.ageSeconds).toBeGreaterThanOrEqual(95);
      expect(cacheStatus(response.headers['cache-status'], 'cinnox')).toEqual(
        expect.arrayContaining(['fwd=stale', 'detail=upstream_unavailable']),
      );
      expect(ids((response.body as PageBody).data)).toEqual(ids((first.body as PageBody).data));
    });
  });

  it('refresh=true and Cache-Control: no-cache revalidate the query’s slices', async () => {
    const { http } = await gateway();
    const query = params(lastDays(1), { limit: '20' });
    await http.get('/call-logs').query(query);
    for (const request of [
      () => http.get('/call-logs').query({ ...query, refresh: 'true' }),
      () => http.get('/call-logs').query(query).set('cache-control', 'no-cache'),
    ]) {
      resetStats(sims);
      const response = await request();
      expect(cacheStatus(response.headers['cache-status'], 'cinnox')).toEqual(
        expect.arrayContaining(['fwd=request', 'stored']),
      );
      expect(upstreamRequests(sims).cinnox).toBeGreaterThan(0);
    }
  });

  it('50 concurrent identical cold requests to one gateway reach each upstream once per slice page', async () => {
    const query = params(lastDays(3), { limit: '200' });
    const alone = await gateway();
    resetStats(sims);
    await alone.http.get('/call-logs').query(query);
    const once = upstreamRequests(sims);

    const { http } = await gateway();
    resetStats(sims);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => http.get('/call-logs').query(query)),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(upstreamRequests(sims)).toEqual(once);
  });

  // Only a shared store can join replicas.
  if (redis) {
    it('100 concurrent identical cold requests over two gateways ask each upstream page once', async () => {
      const query = params(lastDays(2), { limit: '200' });
      // The slices one request asks for alone, on a cold cache of its own.
      const alone = await gateway();
      resetStats(sims);
      await alone.http.get('/call-logs').query(query);
      const slicesAlone = upstreamSlices(sims);
      expect(slicesAlone.cinnox.size + slicesAlone.kaleyra.size).toBeGreaterThan(2);

      // Both replicas, the simulators and the 100 callers share one event loop here, whose lag a
      // Redis call's timeout counts as Redis's: past the default 150 ms a replica would take the
      // store for down and fill for itself, as it should when Redis is slow.
      const shared = testPrefix('flight');
      const slowLoop = { CACHE_REDIS_TIMEOUT_MS: '2000' };
      const replicas = [await gateway(shared, slowLoop), await gateway(shared, slowLoop)];
      resetStats(sims);
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) => replicas[i % 2].http.get('/call-logs').query(query)),
      );
      expect(responses.every((response) => response.status === 200)).toBe(true);
      expect(
        new Set(responses.map((response) => ids((response.body as PageBody).data).join())).size,
      ).toBe(1);
      // The same slices, and no upstream page asked twice. (Which replica fills a slice decides
      // whether a short CINNOX page needs the page after it to prove it the last, as each replica
      // learns what CINNOX serves from its own fills: so pages are compared, not their count.)
      expect(upstreamSlices(sims)).toEqual(slicesAlone);
      for (const log of [sims.cinnox.stats().log, sims.kaleyra.stats().log]) {
        const pages = log.map(({ params }) => JSON.stringify(params));
        expect(new Set(pages).size).toBe(pages.length);
      }
      const statuses = responses.map((response) =>
        cacheStatus(response.headers['cache-status'], 'cinnox').slice(1).join(';'),
      );
      expect(statuses.some((status) => status.includes('collapsed'))).toBe(true);
    });
  }
});
