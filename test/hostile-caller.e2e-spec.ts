import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DAY,
  gatewayEnv,
  iso,
  startGateway,
  startSimulators,
  type PageBody,
  type Simulators,
} from './utils.js';

const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');
const HOSTILE = 'hostile-key-51c2';
const ORDINARY = 'ordinary-key-8e07';

/**
 * One key floods the gateway with the most expensive requests it can make (31 days, 500 a page,
 * raw, revalidated, filtered on a number no upstream filters on); then, within the same minute,
 * another asks ordinary questions that the cache does not hold. CINNOX's limit is 240 a minute
 * here, as 500 is in life.
 */
describe('a hostile caller', () => {
  let sims: Simulators;

  beforeAll(async () => {
    sims = await startSimulators({ seed: 23 });
  });

  afterAll(async () => {
    await sims.close();
  });

  /** What a page (200) or a problem (502) said of CINNOX. */
  const cinnoxOutcome = (answer: { status: number; body: unknown }): string => {
    const { meta, providers } = answer.body as Partial<PageBody> & {
      providers?: PageBody['meta']['providers'];
    };
    const cinnox = (meta?.providers ?? providers ?? [])[0];
    return cinnox?.error?.code ?? cinnox?.status ?? `HTTP ${answer.status}`;
  };

  /**
   * Runs the flood until CINNOX refuses the hostile key (its share is spent), then the ordinary
   * caller within the same minute; what the ordinary caller's pages said of CINNOX.
   */
  async function flood(share: string): Promise<{ ordinary: string[]; hostile: string[] }> {
    const gateway = await startGateway(
      gatewayEnv(sims, {
        API_KEYS: JSON.stringify([
          // A generous rate: what stands between it and the others is its share of CINNOX.
          {
            name: 'hostile',
            sha256: sha256(HOSTILE),
            scopes: ['raw', 'refresh'],
            ratePerMinute: 100_000,
          },
          { name: 'ordinary', sha256: sha256(ORDINARY) },
        ]),
        CINNOX_RATE_LIMIT_PER_MINUTE: '240',
        CALLER_UPSTREAM_SHARE: share,
        REQUEST_DEADLINE_MS: '3000',
      }),
      sims.clock,
    );
    try {
      const now = sims.clock.now();
      const hostile: string[] = [];
      // Four at a time, one after another, until CINNOX refuses it: each revalidation fetches
      // every slice again, and how many requests one costs depends on the planner, not on this test.
      const worker = async (): Promise<void> => {
        for (let i = 0; i < 20 && !hostile.includes('upstream_rate_limited'); i += 1) {
          const answer = await gateway.http
            .get('/call-logs')
            .query({
              since: iso(now - 31 * DAY),
              until: iso(now),
              limit: '500',
              includeRaw: 'true',
              refresh: 'true',
              number: '+85298765432',
            })
            .set('x-api-key', HOSTILE);
          hostile.push(
            answer.status === 200 || answer.status === 502
              ? cinnoxOutcome(answer)
              : `HTTP ${answer.status}`,
          );
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      const ordinary: string[] = [];
      for (let day = 2; day <= 9; day += 1) {
        const since = Math.floor(now / DAY) * DAY - day * DAY;
        const answer = await gateway.http
          .get('/call-logs')
          .query({ since: iso(since), until: iso(since + DAY), status: 'busy' })
          .set('x-api-key', ORDINARY);
        ordinary.push(cinnoxOutcome(answer));
      }
      return { ordinary, hostile };
    } finally {
      await gateway.close();
    }
  }

  it('spends CINNOX’s whole limit, and the others’ pages with it, when callers share it freely', async () => {
    const { ordinary, hostile } = await flood('100');
    expect(hostile).toContain('upstream_rate_limited');
    expect(ordinary).toContain('upstream_rate_limited');
  });

  it('cannot push another key’s requests into upstream_rate_limited: it has half of the limit', async () => {
    const { ordinary, hostile } = await flood('50');
    expect(hostile).toContain('upstream_rate_limited');
    expect(ordinary).toEqual(Array(8).fill('ok'));
    expect(hostile.every((outcome) => !outcome.startsWith('HTTP'))).toBe(true);
  });
});
