import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DAY,
  gatewayEnv,
  ids,
  oracle,
  startGateway,
  startSimulators,
  walk,
  type PageBody,
  type Simulators,
  iso,
  resetFaults,
} from './utils.js';

describe('provider settings and odd upstream answers', () => {
  let sims: Simulators;
  let now: number;
  let window: { since: number; until: number };

  beforeAll(async () => {
    now = Date.now();
    sims = await startSimulators({ seed: 3 });
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
    const gateway = await startGateway(gatewayEnv(sims, { KALEYRA_METHOD: 'GET' }));
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
      const gateway = await startGateway(gatewayEnv(sims, { KALEYRA_PAGE_SIZE: size }));
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
    const gateway = await startGateway(gatewayEnv(sims));
    try {
      sims.cinnox.resetStats();
      sims.kaleyra.resetStats();
      const until = Date.now() + 2 * DAY;
      const response = await gateway.http
        .get('/call-logs')
        .query({ since: iso(until - 3 * DAY), until: iso(until), limit: '500' });
      expect(response.status).toBe(200);
      const latest = Date.now() + 61_000;
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
    const gateway = await startGateway(gatewayEnv(sims, { CINNOX_ENABLED: 'false' }));
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
    const gateway = await startGateway(gatewayEnv(sims));
    try {
      sims.cinnox.setFaults({ oddRecords: 3 });
      sims.kaleyra.setFaults({ oddRecords: 2 });
      const { records } = await walk(gateway.http, query());
      expect(ids(records)).toEqual(ids(oracle(sims, window)));
      const body = (
        await gateway.http.get('/call-logs').query({ ...query(), limit: '5', status: 'busy' })
      ).body as PageBody;
      for (const meta of body.meta.providers) expect(meta.rejected).toBeGreaterThan(0);
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
    const gateway = await startGateway(gatewayEnv(sims));
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
