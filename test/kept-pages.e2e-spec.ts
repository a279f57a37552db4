import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../src/app/create-app.js';
import {
  HOUR,
  gatewayEnv,
  iso,
  resetStats,
  startSimulators,
  upstreamRequests,
  type PageBody,
  type Simulators,
} from './utils.js';
import { LogLines } from './log-lines.js';

const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');
const KEYS = { reader: 'kept-reader-3a91', admin: 'kept-admin-77c0', tight: 'kept-tight-1e5d' };
const TIGHT_RATE = 6;

/**
 * A page kept for a pinned window is answered again before Nest's router (kept-page-route.ts). The
 * test counts the requests that reach the route's handler with a hook of its own, so that it sees
 * which answers were made early; every answer must be the one the controller would give.
 */
describe('kept pages answered before the controller', () => {
  let sims: Simulators;
  let app: NestFastifyApplication;
  let http: TestAgent;
  const log = new LogLines();
  let reachedHandler = 0;
  let window: Record<string, string>;

  beforeAll(async () => {
    sims = await startSimulators();
    app = await createApp(
      gatewayEnv(sims, {
        LOG_LEVEL: 'log',
        LOG_FORMAT: 'json',
        AUTH_MODE: 'api-key',
        // No Redis: one replica holds the whole of each caller's limit.
        RATE_LIMIT_REPLICAS: '1',
        API_KEYS: JSON.stringify([
          { name: 'reader', sha256: sha256(KEYS.reader) },
          { name: 'admin', sha256: sha256(KEYS.admin), scopes: ['raw', 'refresh'] },
          { name: 'tight', sha256: sha256(KEYS.tight), ratePerMinute: TIGHT_RATE },
        ]),
      }),
      { clock: sims.clock, logDestination: log },
    );
    const fastify = app.getHttpAdapter().getInstance();
    fastify.addHook('preHandler', (_request, _reply, done) => {
      reachedHandler += 1;
      done();
    });
    await app.init();
    await fastify.ready();
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app.close();
    await sims.close();
  });

  let tests = 0;
  beforeEach(() => {
    // Each test its own pinned window, so that no test meets a page another one kept.
    tests += 1;
    const end = Math.floor(sims.clock.now() / HOUR) * HOUR - 2 * tests * HOUR;
    window = { since: iso(end - 2 * HOUR), until: iso(end) };
    resetStats(sims);
  });

  const get = (key: string, query: Record<string, string> = {}): ReturnType<TestAgent['get']> =>
    http
      .get('/call-logs')
      .query({ ...window, ...query })
      .set('x-api-key', key);

  it('answers a repeated pinned page early, with the bytes and headers the controller gave', async () => {
    const first = await get(KEYS.reader);
    expect(first.status).toBe(200);
    const handled = reachedHandler;
    const asked = upstreamRequests(sims);
    const again = await get(KEYS.reader);
    expect(again.status).toBe(200);
    expect(reachedHandler).toBe(handled);
    expect(upstreamRequests(sims)).toEqual(asked);
    const kept = await get(KEYS.reader);
    expect(kept.text).toBe(again.text);
    expect((again.body as PageBody).data).toEqual((first.body as PageBody).data);
    expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(again.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    expect(again.headers['cache-status']).toMatch(/gateway-cinnox; hit; ttl=\d+/);
    expect(again.headers['x-content-type-options']).toBe('nosniff');
    expect(again.headers['x-request-id']).toMatch(/\S/);
    for (const provider of (again.body as PageBody).meta.providers) {
      expect(provider).toMatchObject({ status: 'ok', cache: 'hit', upstreamRequests: 0 });
    }
  });

  it('writes the access line of an early answer with its caller and each provider’s outcome', async () => {
    await get(KEYS.reader);
    await get(KEYS.reader).set('x-request-id', 'kept-early-1');
    const line = log.lines.find((entry) => entry.requestId === 'kept-early-1');
    expect(line).toMatchObject({
      msg: 'request',
      caller: 'reader',
      route: '/call-logs',
      status: 200,
      upstreamRequests: 0,
      providers: [
        { provider: 'cinnox', status: 'ok', cache: 'hit' },
        { provider: 'kaleyra', status: 'ok', cache: 'hit' },
      ],
    });
  });

  it('leaves a caller without the scope a remembered URL needs to the controller: 403', async () => {
    await get(KEYS.admin, { includeRaw: 'true' });
    expect((await get(KEYS.admin, { includeRaw: 'true' })).status).toBe(200);
    const handled = reachedHandler;
    const refused = await get(KEYS.reader, { includeRaw: 'true' });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.text).not.toContain('"raw"');
    expect(reachedHandler).toBe(handled + 1);
  });

  it('leaves a request without a key, or with an unknown one, to the controller: 401', async () => {
    await get(KEYS.reader);
    const none = await http.get('/call-logs').query(window);
    const unknown = await get(`${KEYS.reader}-not`);
    expect([none.status, unknown.status]).toEqual([401, 401]);
    expect(none.text).not.toContain('"data"');
  });

  it('charges each early answer a unit of the caller’s limit, and answers 429 past it', async () => {
    const answers = [];
    for (let i = 0; i <= TIGHT_RATE; i += 1) answers.push(await get(KEYS.tight));
    const left = answers.map((answer) => Number(/r=(\d+)/.exec(answer.headers.ratelimit)?.[1]));
    expect(left.slice(0, TIGHT_RATE)).toEqual(
      Array.from({ length: TIGHT_RATE }, (_, i) => TIGHT_RATE - 1 - i),
    );
    const over = answers[TIGHT_RATE];
    expect(over.status).toBe(429);
    expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(over.body).toMatchObject({ type: '/problems/rate-limited', status: 429 });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('revalidates a remembered URL asked with Cache-Control: no-cache', async () => {
    await get(KEYS.admin);
    resetStats(sims);
    const handled = reachedHandler;
    const revalidated = await get(KEYS.admin).set('cache-control', 'no-cache');
    expect(revalidated.status).toBe(200);
    expect(reachedHandler).toBe(handled + 1);
    const { cinnox, kaleyra } = upstreamRequests(sims);
    expect(cinnox + kaleyra).toBeGreaterThan(0);
  });

  it('never remembers a URL with refresh=true: each asks the providers', async () => {
    for (let i = 0; i < 2; i += 1) {
      resetStats(sims);
      expect((await get(KEYS.admin, { refresh: 'true' })).status).toBe(200);
      const { cinnox, kaleyra } = upstreamRequests(sims);
      expect(cinnox + kaleyra).toBeGreaterThan(0);
    }
  });

  it('checks X-Request-Timeout on a remembered URL: 400 naming it', async () => {
    await get(KEYS.reader);
    const refused = await get(KEYS.reader).set('x-request-timeout', 'soon');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errors: [{ parameter: 'X-Request-Timeout' }] });
  });

  it('asks the providers again once the page is no longer fresh', async () => {
    const first = await get(KEYS.reader);
    const seconds = Number(/max-age=(\d+)/.exec(first.headers['cache-control'])?.[1]);
    expect(seconds).toBeGreaterThan(0);
    sims.clock.advance((seconds + 1) * 1_000);
    resetStats(sims);
    const handled = reachedHandler;
    const later = await get(KEYS.reader);
    expect(later.status).toBe(200);
    expect(reachedHandler).toBe(handled + 1);
    const { cinnox, kaleyra } = upstreamRequests(sims);
    expect(cinnox + kaleyra).toBeGreaterThan(0);
  });
});
