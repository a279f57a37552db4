import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SliceCache } from '../src/cache/slice-cache.js';
import { KALEYRA_PAGINGS } from '../src/kaleyra/sandbox/kaleyra.simulator.js';
import {
  DAY,
  HOUR,
  gatewayEnv,
  ids,
  oracle,
  startGateway,
  startSimulators,
  walk,
  type Gateway,
  type PageBody,
  type Simulators,
  iso,
  resetFaults,
  resetStats,
} from './utils.js';

describe('provider settings and odd upstream answers', () => {
  let sims: Simulators;
  let now: number;
  let window: { since: number; until: number };

  beforeAll(async () => {
    sims = await startSimulators({ seed: 3 });
    now = sims.clock.now();
    window = { since: now - 3 * DAY, until: now };
  });

  afterAll(async () => {
    await sims.close();
  });

  const query = (): Record<string, string> => ({
    since: iso(window.since),
    until: iso(window.until),
    limit: '500',
  });

  it('Kaleyra by GET returns what it returns by POST', async () => {
    const gateway = await startGateway(gatewayEnv(sims, { KALEYRA_METHOD: 'GET' }), sims.clock);
    try {
      sims.kaleyra.resetStats();
      const { records } = await walk(gateway.http, { ...query(), provider: 'kaleyra' });
      expect(ids(records)).toEqual(
        ids(oracle(sims, window, (record) => record.provider === 'kaleyra')),
      );
      expect(sims.kaleyra.stats().log.every((entry) => entry.method === 'GET')).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  it('a larger Kaleyra page size means fewer requests for the same records', async () => {
    const counts: number[] = [];
    for (const size of ['25', '200']) {
      const gateway = await startGateway(gatewayEnv(sims, { KALEYRA_PAGE_SIZE: size }), sims.clock);
      try {
        sims.kaleyra.resetStats();
        const { records } = await walk(gateway.http, { ...query(), provider: 'kaleyra' });
        expect(ids(records)).toEqual(
          ids(oracle(sims, window, (record) => record.provider === 'kaleyra')),
        );
        counts.push(sims.kaleyra.stats().requests);
      } finally {
        await gateway.close();
      }
    }
    expect(counts[1]).toBeLessThan(counts[0]);
  });

  it('never asks an upstream about the future, however far the window reaches', async () => {
    const gateway = await startGateway(gatewayEnv(sims), sims.clock);
    try {
      sims.cinnox.resetStats();
      sims.kaleyra.resetStats();
      const until = sims.clock.now() + 2 * DAY;
      const response = await gateway.http
        .get('/call-logs')
        .query({ since: iso(until - 3 * DAY), until: iso(until), limit: '500' });
      expect(response.status).toBe(200);
      const latest = sims.clock.now() + 61_000;
      const ends = [
        ...sims.cinnox.stats().log.map((entry) => Date.parse(entry.params.endAt)),
        ...sims.kaleyra.stats().log.map((entry) => Date.parse(entry.params.end_time)),
      ];
      expect(ends.length).toBeGreaterThan(0);
      for (const end of ends) expect(end).toBeLessThanOrEqual(latest);
    } finally {
      await gateway.close();
    }
  });

  it('a disabled provider is skipped, not asked, and said so', async () => {
    const gateway = await startGateway(gatewayEnv(sims, { CINNOX_ENABLED: 'false' }), sims.clock);
    try {
      sims.cinnox.resetStats();
      const response = await gateway.http.get('/call-logs').query(query());
      const body = response.body as PageBody;
      expect(body.meta.providers[0]).toMatchObject({
        provider: 'cinnox',
        status: 'skipped',
        reason: 'disabled',
      });
      expect(body.data.every((record) => record.provider === 'kaleyra')).toBe(true);
      expect(sims.cinnox.stats().requests).toBe(0);
    } finally {
      await gateway.close();
    }
  });

  it('counts and leaves out upstream records that cannot be normalized, and still answers', async () => {
    const gateway = await startGateway(gatewayEnv(sims), sims.clock);
    try {
      sims.cinnox.setFaults({ oddRecords: 3 });
      sims.kaleyra.setFaults({ oddRecords: 2 });
      const { records } = await walk(gateway.http, query());
      expect(ids(records)).toEqual(ids(oracle(sims, window)));
      // One provider at a time: a page of both may end before a quiet provider's slices hold a
      // record, and an upstream adds its odd records only to pages that hold some.
      for (const provider of ['cinnox', 'kaleyra']) {
        const body = (
          await gateway.http
            .get('/call-logs')
            .query({ ...query(), limit: '5', status: 'busy', provider })
        ).body as PageBody;
        const meta = body.meta.providers.find((entry) => entry.provider === provider);
        expect([provider, meta?.rejected]).toEqual([provider, expect.any(Number)]);
        expect(meta?.rejected).toBeGreaterThan(0);
      }
    } finally {
      resetFaults(sims);
      await gateway.close();
    }
  });

  it.each([
    ['a body that is not JSON', { malformed: 'not-json' as const }],
    ['a truncated body', { malformed: 'truncated' as const }],
    ['a result that is not a list', { malformed: 'wrong-types' as const }],
  ])('%s from one provider is upstream_bad_response for it, not a 500', async (_name, faults) => {
    const gateway = await startGateway(gatewayEnv(sims), sims.clock);
    try {
      sims.cinnox.setFaults(faults);
      const response = await gateway.http.get('/call-logs').query(query());
      expect(response.status).toBe(200);
      const body = response.body as PageBody;
      expect(body.meta.providers[0]).toMatchObject({
        status: 'error',
        error: { code: 'upstream_bad_response' },
      });
      expect(body.data.every((record) => record.provider === 'kaleyra')).toBe(true);
    } finally {
      sims.cinnox.resetFaults();
      await gateway.close();
    }
  });
});

describe('upstream paging that cannot lose a record', () => {
  let sims: Simulators;
  let window: { since: number; until: number };

  beforeAll(async () => {
    sims = await startSimulators({ seed: 3 });
    const now = sims.clock.now();
    window = { since: now - 3 * DAY, until: now };
  });

  afterAll(async () => {
    await sims.close();
  });

  afterEach(() => {
    sims.kaleyra.setPaging({ paging: 'offset+page', maxPageSize: 1000, totalSkew: 0, bare: false });
    sims.cinnox.setMaxPageSize(500);
    resetStats(sims);
  });

  const query = (provider: string): Record<string, string> => ({
    since: iso(window.since),
    until: iso(window.until),
    limit: '500',
    provider,
  });
  const only = (provider: string) => (record: { provider: string }) => record.provider === provider;

  /** A walk of one provider on a gateway of its own, against the oracle. */
  async function walkAlone(provider: string): Promise<void> {
    const gateway = await startGateway(gatewayEnv(sims), sims.clock);
    try {
      const { records } = await walk(gateway.http, query(provider));
      expect(ids(records)).toEqual(ids(oracle(sims, window, only(provider))));
    } finally {
      await gateway.close();
    }
  }

  it.each(KALEYRA_PAGINGS)(
    'walks Kaleyra exactly when it reads page and offset as %s, and learns the reading once',
    async (paging) => {
      sims.kaleyra.setPaging({ paging });
      const gateway = await startGateway(gatewayEnv(sims), sims.clock);
      try {
        const { records } = await walk(gateway.http, query('kaleyra'));
        expect(ids(records)).toEqual(ids(oracle(sims, window, only('kaleyra'))));
        await gateway.app.get(SliceCache).idle();
        // Walked again from the upstream: every request asks the way that was learned.
        resetStats(sims);
        await walk(gateway.http, { ...query('kaleyra'), refresh: 'true' });
        const ways = new Set(
          sims.kaleyra.stats().log.map(({ params }) => `${'page' in params}|${'offset' in params}`),
        );
        expect(ways.size).toBe(1);
      } finally {
        await gateway.close();
      }
    },
  );

  it.each(KALEYRA_PAGINGS)(
    'fails a Kaleyra slice whose total disagrees with its pages (%s), never serves it short',
    async (paging) => {
      sims.kaleyra.setPaging({ paging, totalSkew: 3 });
      const gateway = await startGateway(gatewayEnv(sims), sims.clock);
      try {
        const response = await gateway.http.get('/call-logs').query(query('kaleyra,cinnox'));
        expect(response.status).toBe(200);
        const body = response.body as PageBody;
        const kaleyra = body.meta.providers.find((meta) => meta.provider === 'kaleyra');
        expect(kaleyra).toMatchObject({
          status: 'error',
          error: { code: 'upstream_bad_response' },
        });
        expect(kaleyra?.error?.message).toMatch(/counted \d+ records .* no way of paging/);
        expect(body.data.every((record) => record.provider === 'cinnox')).toBe(true);
        // Kaleyra's records are still owed: by the walk going on, or by its resume cursor.
        expect(body.page.nextCursor ?? body.page.resumeCursor).not.toBeNull();
      } finally {
        await gateway.close();
      }
    },
  );

  it.each(KALEYRA_PAGINGS)(
    'walks Kaleyra exactly when its own data holds calls twice, counted in total (%s): each once',
    async (paging) => {
      const twice = await startSimulators({ seed: 3, clock: sims.clock, kaleyra: { paging } });
      const inWindow = oracle(twice, window, only('kaleyra'));
      const raw = twice.kaleyra.visibleRecords();
      // Copies of a dozen calls of the window, spread over it: the upstream counts each copy.
      const wanted = new Set(
        ids(inWindow.filter((_, i) => i % Math.floor(inWindow.length / 12) === 0)),
      );
      const copies = raw
        .filter((record) => wanted.has(`kaleyra:${record.id ?? record.call_id}`))
        .map((record) => ({ ...record }));
      twice.kaleyra.add(...copies);
      const gateway = await startGateway(gatewayEnv(twice), twice.clock);
      try {
        const { records } = await walk(gateway.http, query('kaleyra'));
        expect(copies.length).toBeGreaterThanOrEqual(12);
        expect(twice.kaleyra.visibleRecords().length).toBe(raw.length + copies.length);
        expect(ids(records)).toEqual(ids(inWindow));
      } finally {
        await gateway.close();
        await twice.close();
      }
    },
  );

  it('walks Kaleyra exactly when it caps pages below the size asked, and says so in limit', async () => {
    sims.kaleyra.setPaging({ maxPageSize: 10 });
    await walkAlone('kaleyra');
    expect(
      sims.kaleyra
        .stats()
        .log.every(({ params }) => params.offset === undefined || Number(params.offset) % 10 === 0),
    ).toBe(true);
  });

  it('walks Kaleyra exactly when it answers without total, limit, offset or page, and caps pages', async () => {
    sims.kaleyra.setPaging({ bare: true, maxPageSize: 10, paging: 'page' });
    await walkAlone('kaleyra');
  });

  it('walks CINNOX exactly when it cuts pages short of the 500 asked without saying so', async () => {
    sims.cinnox.setMaxPageSize(40);
    await walkAlone('cinnox');
  });

  it('ends a CINNOX slice at a short page once CINNOX has served longer ones', async () => {
    // Six quiet hours (night in Hong Kong, where the CINNOX data set is busy by day): slices much
    // smaller than the busiest of the three days.
    const night = Math.floor(window.until / DAY) * DAY - DAY + 16 * HOUR;
    const quiet = { since: iso(night), until: iso(night + 6 * HOUR), provider: 'cinnox' };
    const requestsFor = async (gateway: Gateway): Promise<{ requests: number; slices: number }> => {
      resetStats(sims);
      await walk(gateway.http, { ...quiet, refresh: 'true' });
      const log = sims.cinnox.stats().log;
      return {
        requests: log.length,
        slices: new Set(log.map(({ params }) => params.startAt)).size,
      };
    };
    const fresh = await startGateway(gatewayEnv(sims), sims.clock);
    const taught = await startGateway(gatewayEnv(sims), sims.clock);
    try {
      // A gateway that has seen nothing of CINNOX asks once more after a short page.
      const unsure = await requestsFor(fresh);
      expect(unsure.requests).toBeGreaterThan(unsure.slices);
      // One that has seen CINNOX serve long pages takes the short ones for the end.
      await walk(taught.http, query('cinnox'));
      const sure = await requestsFor(taught);
      expect(sure.requests).toBe(sure.slices);
      // The taught gateway also knows the calls an hour, so it may ask for fewer, wider slices.
      expect(sure.slices).toBeGreaterThan(0);
      expect(sure.slices).toBeLessThanOrEqual(unsure.slices);
    } finally {
      await fresh.close();
      await taught.close();
    }
  });
});
