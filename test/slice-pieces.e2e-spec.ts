import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SliceCache } from '../src/cache/slice-cache.js';
import type { CallLogProvider } from '../src/upstreams/call-log-provider.js';
import { ProviderRegistry } from '../src/upstreams/provider-registry.js';
import {
  HOUR,
  REDIS_URL,
  deletePrefix,
  gatewayEnv,
  resetFaults,
  resetStats,
  startGateway,
  testPrefix,
  upstreamRequests,
  type Gateway,
  type Simulators,
} from './utils.js';
import { DENSE_DAY_END, denseSimulators } from './dense-day.js';

/*
 * A slice read ahead on a quiet night's density can hold a busy morning: the dense data set's
 * 12 hours to noon hold thousands of CINNOX calls. The cache keeps such a slice as the aligned
 * slices inside it, so that a page there decodes and keeps only the part it reads.
 */
const AT = DENSE_DAY_END;
const MORNING = { from: AT - 18 * HOUR, to: AT - 6 * HOUR };

describe('a large slice kept as its pieces, on a shared Redis', () => {
  let sims: Simulators;
  const prefix = testPrefix('pieces');
  const gateways: Gateway[] = [];

  async function replica(): Promise<{ cache: SliceCache; cinnox: CallLogProvider }> {
    const started = await startGateway(
      // The replicas share one event loop with the simulators, which mapping and encoding
      // thousands of calls keep busy: neither a waiter's wait nor a call to Redis may give up
      // because of it (the store's timeouts are not what is tested).
      gatewayEnv(sims, {
        REDIS_URL,
        CACHE_PREFIX: prefix,
        READ_AHEAD_HOURS: '0',
        CACHE_WAIT_TIMEOUT_MS: '60000',
        CACHE_REDIS_TIMEOUT_MS: '5000',
      }),
      sims.clock.fork(),
    );
    gateways.push(started);
    const cinnox = started.app.get(ProviderRegistry).get('cinnox');
    if (cinnox === undefined) throw new Error('CINNOX is not configured');
    return { cache: started.app.get(SliceCache), cinnox };
  }

  beforeAll(async () => {
    sims = await denseSimulators();
  });

  afterEach(() => resetFaults(sims));

  afterAll(async () => {
    await Promise.all(gateways.splice(0).map((started) => started.close()));
    await deletePrefix(REDIS_URL, prefix);
    await sims.close();
  });

  const sorted = (records: ReadonlyArray<{ id: string }>): string[] =>
    records.map((record) => record.id).sort();

  it('a replica waiting on the fill composes the slice from its pieces, fetched once; another decodes only the piece a page reads', async () => {
    const [filler, waiter] = await Promise.all([replica(), replica()]);
    resetStats(sims);
    // The filler's first upstream request is held, so the waiter finds its lease and waits.
    sims.cinnox.setFaults({ latencyMs: 100 });
    const filled = filler.cache.fetch(filler.cinnox, MORNING, {});
    await sims.cinnox.arrived(1);
    const waited = await waiter.cache.fetch(waiter.cinnox, MORNING, {});
    const whole = await filled;
    resetFaults(sims);

    expect(whole.records.length).toBeGreaterThan(4_000);
    expect(upstreamRequests(sims).cinnox).toBe(whole.upstreamRequests);
    expect(waited.cache).toBe('collapsed');
    expect(sorted(waited.records)).toEqual(sorted(whole.records));

    // A third replica, with nothing decoded, reads one hour of the morning from the store.
    const reader = await replica();
    resetStats(sims);
    const hour = { from: MORNING.from + 9 * HOUR, to: MORNING.from + 10 * HOUR };
    const inside = await reader.cache.fetch(reader.cinnox, hour, {});
    expect(upstreamRequests(sims).cinnox).toBe(0);
    expect(inside.cache).toBe('hit');
    const within = whole.records.filter((record) => {
      const at = Date.parse(record.startedAt);
      return at >= hour.from && at < hour.to;
    });
    expect(within.length).toBeGreaterThan(0);
    expect(sorted(inside.records)).toEqual(sorted(within));
    // What it decoded is the hour's piece, not the 12 hours it was fetched in.
    expect(reader.cache.decodedBytes).toBeLessThan(filler.cache.decodedBytes / 4);
  });
});
