import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SliceCache } from '../src/cache/slice-cache.js';
import {
  DAY,
  HOUR,
  KALEYRA_READINGS,
  REDIS_URL,
  TestClock,
  deletePrefix,
  gatewayEnv,
  ids,
  iso,
  oracle,
  resetStats,
  startGateway,
  startSimulators,
  testPrefix,
  upstreamRequests,
  type Gateway,
  type PageBody,
  type Simulators,
} from './utils.js';

/** A Wednesday 06:00 UTC: the middle of the working day in Hong Kong and in India. */
const BUSY = Date.parse('2026-11-18T06:00:00Z');
/** A Sunday 18:00 UTC: a quiet weekend evening everywhere. */
const QUIET = Date.parse('2026-11-22T18:00:00Z');
/** A busy contact centre: 12,500 calls a working day at each provider. */
const DENSE = { days: 1, callsPerDay: 12_500 };

interface Setup {
  sims: Simulators;
  gateways: Gateway[];
  prefixes: string[];
}

async function gateway(setup: Setup, prefix?: string): Promise<Gateway> {
  const cache = prefix === undefined ? {} : { REDIS_URL, CACHE_PREFIX: prefix };
  const started = await startGateway(gatewayEnv(setup.sims, cache), setup.sims.clock.fork());
  setup.gateways.push(started);
  return started;
}

/** One page, and the upstream requests of each provider it cost, its fills' counting waited out. */
async function page(
  sims: Simulators,
  started: Gateway,
  query: Record<string, string>,
): Promise<{ body: PageBody; cinnox: number; kaleyra: number }> {
  resetStats(sims);
  const response = await started.http.get('/call-logs').query(query);
  expect([response.status, response.status === 200 ? '' : response.text]).toEqual([200, '']);
  await started.app.get(SliceCache).idle();
  return { body: response.body as PageBody, ...upstreamRequests(sims) };
}

const firstPage = (until: number, limit = 50): Record<string, string> => ({
  since: iso(until - DAY),
  until: iso(until),
  limit: String(limit),
  refresh: 'true',
});

describe.each(KALEYRA_READINGS)(
  'the calls an hour plan a first page, Kaleyra reading page and offset as %s',
  (paging) => {
    const busy: Setup = { sims: undefined as never, gateways: [], prefixes: [] };
    const quiet: Setup = { sims: undefined as never, gateways: [], prefixes: [] };

    beforeAll(async () => {
      [busy.sims, quiet.sims] = await Promise.all([
        startSimulators({
          seed: 5,
          clock: new TestClock(BUSY),
          dataset: DENSE,
          kaleyra: { paging },
        }),
        startSimulators({ seed: 5, clock: new TestClock(QUIET), kaleyra: { paging } }),
      ]);
    });

    afterEach(async () => {
      for (const setup of [busy, quiet])
        await Promise.all(setup.gateways.splice(0).map((started) => started.close()));
    });

    afterAll(async () => {
      for (const setup of [busy, quiet]) {
        await Promise.all(setup.prefixes.map((prefix) => deletePrefix(REDIS_URL, prefix)));
        await setup.sims.close();
      }
    });

    it('a busy hour seen before costs one request to each provider, where the first time cost several', async () => {
      const started = await gateway(busy);
      const expected = ids(oracle(busy.sims, { since: BUSY - DAY, until: BUSY }).slice(0, 50));
      const cold = await page(busy.sims, started, firstPage(BUSY));
      // An hour of this day holds more than one upstream page of calls at each provider.
      expect(cold.cinnox + cold.kaleyra).toBeGreaterThan(2);
      const seen = await page(busy.sims, started, firstPage(BUSY));
      expect([seen.cinnox, seen.kaleyra]).toEqual([1, 1]);
      expect(ids(cold.body.data)).toEqual(expected);
      expect(ids(seen.body.data)).toEqual(expected);
    });

    it('a quiet window seen before costs no more than fetching it whole: one request to each provider', async () => {
      const started = await gateway(quiet);
      const window = { since: QUIET - DAY, until: QUIET };
      const expected = ids(oracle(quiet.sims, window).slice(0, 50));
      const cold = await page(quiet.sims, started, firstPage(QUIET));
      // Fewer than a page of calls an hour: the first time, the walk went hour by hour.
      expect(cold.cinnox).toBeGreaterThan(2);
      const seen = await page(quiet.sims, started, firstPage(QUIET));
      expect(seen.kaleyra).toBe(1);
      expect(seen.cinnox).toBeLessThanOrEqual(2);
      expect(ids(seen.body.data)).toEqual(expected);
    });

    it('replicas share the counts through Redis: a replica that never saw the hour plans by them', async () => {
      const prefix = testPrefix('density');
      busy.prefixes.push(prefix);
      await page(busy.sims, await gateway(busy, prefix), firstPage(BUSY));
      const other = await page(busy.sims, await gateway(busy, prefix), firstPage(BUSY));
      // Kaleyra says how full a page is; a replica new to CINNOX asks once more to see a short
      // page is the last.
      expect(other.kaleyra).toBe(1);
      expect(other.cinnox).toBeLessThanOrEqual(2);
    });

    it('a first round over time another walk fetched in other slices is composed from them: each record once, nothing asked', async () => {
      const started = await gateway(quiet);
      const days = { since: QUIET - 2 * DAY, until: QUIET };
      const all = { since: iso(days.since), until: iso(days.until), limit: '500' };
      for (
        let cursor: string | null = null, first = true;
        first || cursor !== null;
        first = false
      ) {
        const { body } = await page(
          quiet.sims,
          started,
          cursor === null ? all : { ...all, cursor },
        );
        cursor = body.page.nextCursor;
      }
      // Hours that are no slice width, inside slices that are: wider ones serve two tiles each.
      const window = { since: QUIET - 2 * DAY + 5 * HOUR, until: QUIET - 5 * HOUR };
      const query = { since: iso(window.since), until: iso(window.until), limit: '50' };
      const seen = await page(quiet.sims, started, query);
      expect(ids(seen.body.data)).toEqual(ids(oracle(quiet.sims, window).slice(0, 50)));
      expect([seen.cinnox, seen.kaleyra]).toEqual([0, 0]);
    });

    it.each(['desc', 'asc'] as const)(
      'a walk of a busy window planned by the counts holds every record exactly once, going %s',
      async (sort) => {
        const started = await gateway(busy);
        const window = { since: BUSY - 2 * HOUR - 17 * 60_000, until: BUSY - 23 * 60_000 };
        const query = {
          since: iso(window.since),
          until: iso(window.until),
          sort: sort === 'desc' ? '-startedAt' : 'startedAt',
          limit: '200',
        };
        const expected = ids(oracle(busy.sims, window, () => true, sort));
        // The first walk counts the hours; the second starts from 5 or 15 minutes, and climbs.
        for (let walk = 0; walk < 2; walk += 1) {
          const seen: PageBody['data'] = [];
          let cursor: string | null = null;
          do {
            const next = cursor === null ? { ...query, refresh: 'true' } : { ...query, cursor };
            const { body } = await page(busy.sims, started, next);
            seen.push(...body.data);
            cursor = body.page.nextCursor;
          } while (cursor !== null);
          expect(ids(seen)).toEqual(expected);
        }
      },
    );

    it('identical cold first pages at once cost what one costs alone, while their slices come in', async () => {
      const { refresh: _, ...cold } = firstPage(BUSY - HOUR);
      const alone = await page(busy.sims, await gateway(busy), cold);
      const started = await gateway(busy);
      resetStats(busy.sims);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => started.http.get('/call-logs').query(cold)),
      );
      await started.app.get(SliceCache).idle();
      expect(answers.map((response) => response.status)).toEqual(answers.map(() => 200));
      const together = upstreamRequests(busy.sims);
      expect(together.cinnox + together.kaleyra).toBeLessThanOrEqual(alone.cinnox + alone.kaleyra);
    });
  },
);
