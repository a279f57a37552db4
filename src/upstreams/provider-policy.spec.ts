import { describe, expect, it } from '@jest/globals';
import { Deadline } from '../domain/deadline.js';
import { ProviderPolicy } from './provider-policy.js';
import type { PolicySettings } from './upstream-config.js';

const CINNOX = { name: 'cinnox', label: 'CINNOX' } as const;
const SETTINGS: PolicySettings = {
  upstreamTimeoutMs: 5_000,
  retries: 0,
  retryBaseMs: 1,
  retryMaxMs: 1,
  circuitFailures: 3,
  circuitCooldownMs: 60_000,
  maxConcurrency: 1,
};

/** An upstream request that is answered only when the test says so. */
function heldRequest(): { request: () => Promise<string>; answer: () => void } {
  let answer = (): void => undefined;
  const answered = new Promise<string>((resolve) => (answer = () => resolve('answered')));
  return { request: () => answered, answer };
}

/** An upstream request that never answers; it gives up when its attempt is aborted. */
const unanswered = (signal: AbortSignal): Promise<string> =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));

describe('ProviderPolicy circuit', () => {
  it('does not count requests whose deadline passed before they were sent, and passes their place on', async () => {
    const policy = new ProviderPolicy(CINNOX, SETTINGS);
    const held = heldRequest();
    const first = policy.run(Deadline.after(10_000), held.request);
    // More than enough to open the circuit, each waiting for the one place past its deadline.
    const deadlines = Array.from({ length: 5 }, () => Deadline.after(20));
    const cancelled = deadlines.map((deadline) =>
      policy.run(deadline, () => Promise.resolve('sent')),
    );
    const behindThem = policy.run(Deadline.after(10_000), () => Promise.resolve('sent'));
    await Promise.all(
      deadlines.map(
        ({ signal }) => new Promise((passed) => signal.addEventListener('abort', passed)),
      ),
    );
    held.answer();
    await expect(first).resolves.toBe('answered');
    for (const request of cancelled)
      await expect(request).rejects.toMatchObject({ code: 'upstream_timeout' });
    await expect(behindThem).resolves.toBe('sent');
    expect(policy.circuit).toBe('closed');
  });

  it('counts requests the upstream received and did not answer in time', async () => {
    const policy = new ProviderPolicy(CINNOX, {
      ...SETTINGS,
      upstreamTimeoutMs: 20,
      maxConcurrency: 10,
    });
    for (let i = 0; i < SETTINGS.circuitFailures; i += 1)
      await expect(policy.run(Deadline.after(10_000), unanswered)).rejects.toMatchObject({
        code: 'upstream_timeout',
      });
    expect(policy.circuit).toBe('open');
    await expect(policy.run(Deadline.after(10_000), unanswered)).rejects.toMatchObject({
      code: 'circuit_open',
    });
  });

  it('counts requests the deadline cut while the upstream had them', async () => {
    const policy = new ProviderPolicy(CINNOX, { ...SETTINGS, maxConcurrency: 10 });
    for (let i = 0; i < SETTINGS.circuitFailures; i += 1)
      await expect(policy.run(Deadline.after(20), unanswered)).rejects.toMatchObject({
        code: 'upstream_timeout',
      });
    expect(policy.circuit).toBe('open');
  });
});
