import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Deadline } from '../../domain/deadline.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimit, UpstreamRateLimiter } from './rate-limiter.js';
import { UpstreamError } from '../../domain/upstream-error.js';

/** A fresh limiter for one test: nothing it holds may be seen by another test's limiter. */
export type LimiterFactory = (limit: RateLimit) => Promise<UpstreamRateLimiter>;

const LIMIT: RateLimit = { points: 5, durationMs: 500 };
/** Room for timers and a Redis round trip on a busy 2-core machine; far below LIMIT.durationMs. */
const PROMPT_MS = 60;
/**
 * Grant times are taken when a take resolves, a little after the store granted it; windows are
 * checked this much shorter so that this jitter cannot fake an excess.
 */
const JITTER_MS = PROMPT_MS;

const far = (): Deadline => Deadline.after(10_000);

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

async function refusal(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await work;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('the take was granted');
}

function fill(limiter: UpstreamRateLimiter, account: string, takes: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: takes }, () => limiter.take(account, { deadline: far() })),
  );
}

/** The most grants found in any interval of `windowMs` that starts at a grant. */
export function busiestWindow(grantTimes: readonly number[], windowMs: number): number {
  const times = [...grantTimes].sort((a, b) => a - b);
  return Math.max(
    ...times.map((start) => times.filter((t) => t >= start && t < start + windowMs).length),
  );
}

/** What every UpstreamRateLimiter must do, whatever holds its state. */
export function rateLimiterContract(name: string, make: LimiterFactory): void {
  describe(`${name} (rate limiter contract)`, () => {
    let made: UpstreamRateLimiter[] = [];
    const limiter = async (limit: RateLimit = LIMIT): Promise<UpstreamRateLimiter> => {
      const created = await make(limit);
      made.push(created);
      return created;
    };

    afterEach(async () => {
      await Promise.all(made.map((created) => created.close()));
      made = [];
    });

    it('grants the takes within the limit at once', async () => {
      const subject = await limiter();
      const { value: waits, ms } = await timed(fill(subject, 'cinnox:a', LIMIT.points));
      expect(Math.max(...waits)).toBeLessThan(PROMPT_MS);
      expect(ms).toBeLessThan(PROMPT_MS);
    });

    it('makes the take past the limit wait until the window frees a slot, then grants it', async () => {
      const subject = await limiter();
      const started = performance.now();
      await fill(subject, 'cinnox:a', LIMIT.points);
      const { value: waited, ms } = await timed(subject.take('cinnox:a', { deadline: far() }));
      const sinceFirstGrant = performance.now() - started;
      // The first grant was at `started` or after: its slot frees a full window later.
      expect(sinceFirstGrant).toBeGreaterThanOrEqual(LIMIT.durationMs - 5);
      expect(sinceFirstGrant).toBeLessThan(LIMIT.durationMs + 250);
      expect(waited).toBeGreaterThanOrEqual(LIMIT.durationMs - PROMPT_MS);
      expect(waited).toBeLessThanOrEqual(ms + 5);
    });

    it('refuses at once a take whose slot would free only after its deadline', async () => {
      const subject = await limiter();
      await fill(subject, 'cinnox:a', LIMIT.points);
      const { error, ms } = await refusal(
        subject.take('cinnox:a', { deadline: Deadline.after(LIMIT.durationMs / 2) }),
      );
      expect(ms).toBeLessThan(PROMPT_MS);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({
        provider: 'cinnox',
        code: 'upstream_rate_limited',
        transient: true,
        message: "the gateway holds back to stay under CINNOX's limit of 5 per 500 ms",
      });
    });

    it('does not count refused takes against the limit', async () => {
      const subject = await limiter();
      const started = performance.now();
      await fill(subject, 'cinnox:a', LIMIT.points);
      for (let i = 0; i < 3; i++) {
        await expect(subject.take('cinnox:a', { deadline: Deadline.after(0) })).rejects.toThrow(
          UpstreamError,
        );
      }
      // All five fit in the next window: the refusals took no slot of it.
      await fill(subject, 'cinnox:a', LIMIT.points);
      expect(performance.now() - started).toBeLessThan(LIMIT.durationMs + 250);
    });

    it('rejects promptly when the signal aborts a wait', async () => {
      const subject = await limiter();
      await fill(subject, 'cinnox:a', LIMIT.points);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const { error, ms } = await refusal(
        subject.take('cinnox:a', { deadline: far(), signal: controller.signal }),
      );
      expect(error).toMatchObject({ code: 'upstream_rate_limited' });
      expect(ms).toBeGreaterThanOrEqual(40);
      expect(ms).toBeLessThan(50 + PROMPT_MS);
    });

    it('takes no slot for an already aborted signal', async () => {
      const subject = await limiter();
      const { error, ms } = await refusal(
        subject.take('cinnox:a', { deadline: far(), signal: AbortSignal.abort() }),
      );
      expect(error).toMatchObject({ code: 'upstream_rate_limited' });
      expect(ms).toBeLessThan(PROMPT_MS);
      const waits = await fill(subject, 'cinnox:a', LIMIT.points);
      expect(Math.max(...waits)).toBeLessThan(PROMPT_MS);
    });

    it('keeps accounts apart', async () => {
      const subject = await limiter();
      await fill(subject, 'cinnox:a', LIMIT.points);
      const waits = await fill(subject, 'cinnox:b', LIMIT.points);
      expect(Math.max(...waits)).toBeLessThan(PROMPT_MS);
      await expect(subject.take('cinnox:a', { deadline: Deadline.after(0) })).rejects.toThrow(
        UpstreamError,
      );
    });

    it('holds to the limit in every window, across window boundaries too', async () => {
      const subject = await limiter();
      const grants: number[] = [];
      const take = (): Promise<void> =>
        subject
          .take('cinnox:a', { deadline: far() })
          .then(() => void grants.push(performance.now()));
      const started = performance.now();
      // Grants late in a window: a fixed window would let a full window's worth through again
      // when it resets, 7 within 500 ms here.
      const early = Array.from({ length: 3 }, take);
      await delay(300);
      const late = Array.from({ length: 9 }, take);
      await Promise.all([...early, ...late]);
      expect(grants).toHaveLength(12);
      // A fixed window's 7 come within about 200 ms, far inside the shortened window.
      expect(busiestWindow(grants, LIMIT.durationMs - JITTER_MS)).toBeLessThanOrEqual(LIMIT.points);
      // 3 at 0, 2 at 300, 3 at 500, 2 at 800, 2 at 1000: no slot left unused for long.
      expect(performance.now() - started).toBeLessThan(2 * LIMIT.durationMs + 300);
    });
  });
}

// Only when Jest runs this file: the e2e spec imports the contract without running these twice.
if (expect.getState().testPath === fileURLToPath(import.meta.url)) {
  rateLimiterContract('MemoryRateLimiter', (limit) =>
    Promise.resolve(
      new MemoryRateLimiter({ provider: { name: 'cinnox', label: 'CINNOX' }, limit }),
    ),
  );

  describe('MemoryRateLimiter', () => {
    it('names the provider and a per-minute limit in its refusal', async () => {
      const limiter = new MemoryRateLimiter({
        provider: { name: 'kaleyra', label: 'Kaleyra' },
        limit: { points: 1, durationMs: 60_000 },
      });
      await limiter.take('kaleyra:sid', { deadline: far() });
      await expect(limiter.take('kaleyra:sid', { deadline: far() })).rejects.toMatchObject({
        provider: 'kaleyra',
        message: "the gateway holds back to stay under Kaleyra's limit of 1 a minute",
      });
      await limiter.close();
    });

    it('ends waiting takes when it closes', async () => {
      const limiter = new MemoryRateLimiter({
        provider: { name: 'cinnox', label: 'CINNOX' },
        limit: LIMIT,
      });
      await fill(limiter, 'cinnox:a', LIMIT.points);
      const waiting = refusal(limiter.take('cinnox:a', { deadline: far() }));
      await limiter.close();
      const { error, ms } = await waiting;
      expect(error).toMatchObject({ code: 'upstream_rate_limited' });
      expect(ms).toBeLessThan(PROMPT_MS);
    });

    it('reports itself healthy', () => {
      const limiter = new MemoryRateLimiter({
        provider: { name: 'cinnox', label: 'CINNOX' },
        limit: LIMIT,
      });
      expect(limiter.health()).toEqual({ store: 'memory', status: 'ok' });
    });

    it.each([
      { points: 0, durationMs: 1_000 },
      { points: 1.5, durationMs: 1_000 },
      { points: 5, durationMs: 0 },
      { points: 5, durationMs: Number.NaN },
    ])('refuses the meaningless limit %o', (limit) => {
      expect(
        () => new MemoryRateLimiter({ provider: { name: 'cinnox', label: 'CINNOX' }, limit }),
      ).toThrow(/rate limit/);
    });
  });
}
