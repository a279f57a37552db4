import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { SliceCache } from '../src/cache/slice-cache.js';
import type { CallLogProvider } from '../src/upstreams/call-log-provider.js';
import { ProviderRegistry } from '../src/upstreams/provider-registry.js';
import {
  DAY,
  HOUR,
  KALEYRA_READINGS,
  REDIS_URL,
  deletePrefix,
  gatewayEnv,
  ids,
  iso,
  oracle,
  resetFaults,
  resetStats,
  serveGateway,
  startGateway,
  startSimulators,
  testPrefix,
  upstreamRequests,
  walk,
  type Gateway,
  type PageBody,
  type Simulators,
} from './utils.js';
import { DENSE_DAY_END, denseSimulators } from './dense-day.js';

/**
 * The last whole UTC Tuesday, Wednesday or Thursday before `now`: a working day in every
 * provider's time zone, so that the walk meets the same kind of day whatever the clock says.
 */
function workingDay(now: number): { since: number; until: number } {
  let day = Math.floor(now / DAY) * DAY - DAY;
  while (![2, 3, 4].includes(new Date(day).getUTCDay())) day -= DAY;
  return { since: day, until: day + DAY };
}

const total = (counts: { cinnox: number; kaleyra: number }): number =>
  counts.cinnox + counts.kaleyra;
const spent = (body: PageBody): number =>
  body.meta.providers.reduce((sum, meta) => sum + meta.upstreamRequests, 0);

describe.each(KALEYRA_READINGS)(
  'read-ahead of a walk, Kaleyra reading page and offset as %s',
  (paging) => {
    let sims: Simulators;
    const prefixes: string[] = [];
    const gateways: Gateway[] = [];
    let window: { since: number; until: number };

    async function gateway(extra: Record<string, string> = {}): Promise<Gateway> {
      const prefix = testPrefix('read-ahead');
      prefixes.push(prefix);
      const env = gatewayEnv(sims, { REDIS_URL, CACHE_PREFIX: prefix, ...extra });
      const started = await startGateway(env, sims.clock.fork());
      gateways.push(started);
      return started;
    }

    const cacheOf = (started: Gateway): SliceCache => started.app.get(SliceCache);
    const cinnoxOf = (started: Gateway): CallLogProvider => {
      const provider = started.app.get(ProviderRegistry).get('cinnox');
      if (provider === undefined) throw new Error('CINNOX is not configured');
      return provider;
    };

    /** One page; then waits until every fill it started, read-ahead included, has ended. */
    async function page(started: Gateway, query: Record<string, string>): Promise<PageBody> {
      const response = await started.http.get('/call-logs').query(query);
      expect(response.status).toBe(200);
      await started.app.get(SliceCache).idle();
      return response.body as PageBody;
    }

    /** Every page of the window, each waited out; with the upstream requests it took in all. */
    async function walkAll(
      started: Gateway,
      query: Record<string, string>,
    ): Promise<{ records: PageBody['data']; requests: number; pages: number }> {
      resetStats(sims);
      const records: PageBody['data'] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const body = await page(started, cursor === null ? query : { ...query, cursor });
        records.push(...body.data);
        cursor = body.page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      return { records, requests: total(upstreamRequests(sims)), pages };
    }

    beforeAll(async () => {
      sims = await startSimulators({ seed: 11, kaleyra: { paging } });
      window = workingDay(sims.clock.now());
    });

    afterEach(async () => {
      await Promise.all(gateways.splice(0).map((started) => started.close()));
      resetFaults(sims);
    });

    afterAll(async () => {
      await Promise.all(prefixes.map((prefix) => deletePrefix(REDIS_URL, prefix)));
      await sims.close();
    });

    const query = (limit: number): Record<string, string> => ({
      since: iso(window.since),
      until: iso(window.until),
      limit: String(limit),
    });

    it('a first page fetches only what it needs; the next page fetches the time after it, which the pages after it are served from', async () => {
      const started = await gateway();
      resetStats(sims);
      const first = await page(started, query(20));
      // Nothing behind a first page: what reached the upstreams is what the page says it asked.
      expect(total(upstreamRequests(sims))).toBe(spent(first));
      expect(first.page.nextCursor).not.toBeNull();

      resetStats(sims);
      const second = await page(started, { ...query(20), cursor: String(first.page.nextCursor) });
      const afterSecond = total(upstreamRequests(sims));
      expect(afterSecond).toBeGreaterThan(spent(second));

      // The twelve hours after the second page are in the cache: the third page asks nothing.
      const last = Date.parse(second.data.at(-1)?.startedAt ?? '');
      const third = await page(started, { ...query(20), cursor: String(second.page.nextCursor) });
      const reached = Date.parse(third.data.at(-1)?.startedAt ?? '');
      expect(last - reached).toBeLessThan(11 * HOUR);
      expect(spent(third)).toBe(0);
      expect(third.meta.providers.map((meta) => meta.cache)).toEqual(['hit', 'hit']);
    });

    it('a walk with read-ahead is exact and asks the upstreams for no more than a walk without it', async () => {
      const expected = ids(oracle(sims, window));
      const ahead = await walkAll(await gateway(), query(50));
      const without = await walkAll(await gateway({ READ_AHEAD_HOURS: '0' }), query(50));
      expect(ids(ahead.records)).toEqual(expected);
      expect(ids(without.records)).toEqual(expected);
      expect(ahead.pages).toBe(without.pages);
      expect(ahead.requests).toBeLessThanOrEqual(without.requests);
    });

    it('reads nothing ahead for a refresh, nor when READ_AHEAD_HOURS is 0', async () => {
      for (const [extra, refresh] of [
        [{}, true],
        [{ READ_AHEAD_HOURS: '0' }, false],
      ] as const) {
        const started = await gateway(extra);
        const first = await page(started, query(20));
        resetStats(sims);
        const cursor = String(first.page.nextCursor);
        const next = await page(started, {
          ...query(20),
          cursor,
          ...(refresh && { refresh: 'true' }),
        });
        expect(total(upstreamRequests(sims))).toBe(spent(next));
      }
    });

    it('a read-ahead slice around a narrower one already held fetches only the time around it', async () => {
      const started = await gateway();
      const slices = cacheOf(started);
      const cinnox = cinnoxOf(started);
      const wide = { from: window.since + 9 * HOUR, to: window.since + 12 * HOUR };
      await slices.fetch(cinnox, { from: wide.from + HOUR, to: wide.from + 2 * HOUR }, {});
      resetStats(sims);
      slices.prefetch(cinnox, [wide], {});
      await slices.idle();
      // The provider is asked a second more on each side of a slice.
      const asked = new Set(
        sims.cinnox.stats().log.map(({ params }) => Date.parse(String(params.startAt)) + 1000),
      );
      expect([...asked].sort()).toEqual([wide.from, wide.from + 2 * HOUR]);
    });

    it('two read-aheads planned at the same moment over the same time fetch it once', async () => {
      const started = await gateway();
      const slices = cacheOf(started);
      const cinnox = cinnoxOf(started);
      const narrow = { from: window.since + 9 * HOUR, to: window.since + 12 * HOUR };
      const wide = { from: window.since + 6 * HOUR, to: window.since + 12 * HOUR };
      resetStats(sims);
      // Both ask Redis what is held at once, and its answers come back together.
      slices.prefetch(cinnox, [narrow], {});
      slices.prefetch(cinnox, [wide], {});
      await slices.idle();
      // Each upstream request's window, a second wider on each side than its slice.
      const windows = [
        ...new Set(
          sims.cinnox.stats().log.map(({ params }) => `${params.startAt}|${params.endAt}`),
        ),
      ].map((text) => text.split('|').map((bound) => Date.parse(bound)));
      expect(windows.length).toBeGreaterThan(0);
      const covered = windows.reduce((sum, [from, to]) => sum + (to - from - 2000), 0);
      // Every hour of the wide slice asked for once: no window lies over another.
      expect(covered).toBe(wide.to - wide.from);
    });

    it('a slice inside a wider one that is being filled waits for that fill and is composed from it', async () => {
      // The hour of a CINNOX call, and the 3-hour slice that holds it, wherever the clock stands.
      const call = oracle(sims, window, (record) => record.provider === 'cinnox')[0];
      if (call === undefined) throw new Error('the window holds no CINNOX call');
      const slot = (width: number): { from: number; to: number } => {
        const from = Math.floor(Date.parse(call.startedAt) / width) * width;
        return { from, to: from + width };
      };
      const [wide, hour] = [slot(3 * HOUR), slot(HOUR)];
      // What the wide slice costs alone, on a cold cache of its own.
      const cold = await gateway();
      const alone = (await cacheOf(cold).fetch(cinnoxOf(cold), wide, {})).upstreamRequests;
      expect(alone).toBeGreaterThan(0);

      const started = await gateway();
      const slices = cacheOf(started);
      resetStats(sims);
      // The wide fill's first upstream request has arrived and is held: the fill is under way.
      sims.cinnox.setFaults({ latencyMs: 200 });
      slices.prefetch(cinnoxOf(started), [wide], {});
      await sims.cinnox.arrived(1);
      const inside = await slices.fetch(cinnoxOf(started), hour, {});
      await slices.idle();
      expect(inside.cache).toBe('collapsed');
      expect(upstreamRequests(sims).cinnox).toBe(alone);
      expect(inside.records.length).toBeGreaterThan(0);
      const within = (at: number): boolean => at >= hour.from && at < hour.to;
      expect(inside.records.every((record) => within(Date.parse(record.startedAt)))).toBe(true);
    });
  },
);

describe('read-ahead over a day whose calls an hour change', () => {
  // The dense data set's day to 18:00 UTC, walked back: a quiet noon for CINNOX, then its busy
  // morning (thousands of calls in the six hours before noon).
  const AT = DENSE_DAY_END;
  let sims: Simulators;
  let gateway: { app: NestFastifyApplication; url: string };

  beforeAll(async () => {
    sims = await denseSimulators();
    gateway = await serveGateway(gatewayEnv(sims), sims.clock);
  });

  afterAll(async () => {
    await gateway.app.close();
    await sims.close();
  });

  it('never reads ahead a slice many times fuller than it was sized for: a width at a time', async () => {
    resetStats(sims);
    const walked = await walk(request(gateway.app.getHttpServer()), {
      since: iso(AT - DAY),
      until: iso(AT),
      limit: '500',
    });
    await gateway.app.get(SliceCache).idle();
    expect(ids(walked.records)).toEqual(ids(oracle(sims, { since: AT - DAY, until: AT })));
    // CINNOX's pages of each slice asked for, by the slice's bounds.
    const pagesOf = new Map<string, number>();
    for (const { params } of sims.cinnox.stats().log) {
      const bounds = `${params.startAt}..${params.endAt}`;
      pagesOf.set(bounds, (pagesOf.get(bounds) ?? 0) + 1);
    }
    // A slice is sized for 4,000 calls: 8 of CINNOX's pages of 500, and one that finds the end.
    // Sized from the quiet noon alone, the morning's 12-hour slice took 24 pages (11,693 calls).
    expect(pagesOf.size).toBeGreaterThan(5);
    expect(Math.max(...pagesOf.values())).toBeLessThanOrEqual(9);
  });
});
