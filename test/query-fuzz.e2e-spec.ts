import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getMetadataStorage } from 'class-validator';
import fc from 'fast-check';
import { CallLogQueryDto } from '../src/call-logs/call-log-query.dto.js';
import {
  HOUR,
  gatewayEnv,
  iso,
  startGateway,
  startSimulators,
  type Gateway,
  type Simulators,
} from './utils.js';

/** The parameters the endpoint declares, as validation knows them. */
const PARAMETERS = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(CallLogQueryDto, '', true, false)
      .map((rule) => rule.propertyName),
  ),
];

/**
 * The query parser under random input, through the real server: whatever a caller sends, the
 * answer is a page or a problem that names a parameter, within a second, and the server goes on.
 */
describe('the query parser, fuzzed', () => {
  let sims: Simulators;
  let gateway: Gateway;
  let now: number;

  beforeAll(async () => {
    sims = await startSimulators({ seed: 21 });
    now = sims.clock.now();
    gateway = await startGateway(gatewayEnv(sims), sims.clock);
  });

  afterAll(async () => {
    await gateway.close();
    await sims.close();
  });

  /** Times near the edges the parser must know: leap seconds, day ends, offsets, old years. */
  const instant = fc.oneof(
    fc.integer({ min: -2, max: 2 }).map((hours) => iso(now + hours * HOUR)),
    fc
      .tuple(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom('Z', '+08:00', '-23:59', '+24:00', '', 'z', '+05:30', '-00:00'),
      )
      .map(
        ([y, mo, d, h, s, zone]) =>
          `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:59:${String(s).padStart(2, '0')}${zone}`,
      ),
    fc.string(),
  );
  const value = fc.oneof(
    instant,
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom('', ' ', '0', '-1', '1e3', '500', '501', 'true', 'yes', 'busy,completed', ','),
    fc.integer().map(String),
  );
  const key = fc.oneof(
    fc.constantFrom(...PARAMETERS),
    fc.constantFrom(...PARAMETERS),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toJSON'),
    fc.string({ minLength: 1, maxLength: 12 }),
  );
  const query = fc.array(fc.tuple(key, value), { maxLength: 6 });

  it('answers 200 or a problem naming a parameter, within a second, whatever the query', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(query, async (pairs) => {
        const search = new URLSearchParams(pairs).toString();
        const started = performance.now();
        const response = await gateway.http.get(`/call-logs?${search}`);
        expect(performance.now() - started).toBeLessThan(1000);
        expect([200, 400]).toContain(response.status);
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
        if (response.status === 400) {
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
          const { errors } = response.body as { errors: Array<{ parameter: string }> };
          expect(errors.length).toBeGreaterThan(0);
          const given = new Set(pairs.map(([name]) => name));
          for (const { parameter } of errors) expect(given.has(parameter)).toBe(true);
        }
      }),
      { seed: 20261202, numRuns: 300 },
    );
    // Both paths were taken: the fuzz reaches past validation too.
    expect(seen.get(200)).toBeGreaterThan(20);
    expect(seen.get(400)).toBeGreaterThan(20);
    expect((await gateway.http.get('/health/live')).status).toBe(200);
  });
});
