import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MetricsListener } from '../src/metrics/metrics-listener.js';
import {
  DAY,
  HOUR,
  REDIS_URL,
  deletePrefix,
  gatewayEnv,
  iso,
  resetStats,
  startGateway,
  startSimulators,
  testPrefix,
  until,
  upstreamRequests,
  type Gateway,
  type PageBody,
  type Simulators,
} from './utils.js';

const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Keys of this test: the clear keys callers send, and the hashes the gateway holds. */
const KEYS = {
  reader: 'reader-key-0f3c9a',
  admin: 'admin-key-7b21e4',
  tight: 'tight-key-5d8e1c',
  narrow: 'narrow-key-29ab7f',
};
const API_KEYS = JSON.stringify([
  { name: 'reader', sha256: sha256(KEYS.reader) },
  { name: 'admin', sha256: sha256(KEYS.admin), scopes: ['raw', 'refresh', 'metrics'] },
  { name: 'tight', sha256: sha256(KEYS.tight), ratePerMinute: 40, scopes: ['refresh'] },
  { name: 'narrow', sha256: sha256(KEYS.narrow), maxConcurrent: 1 },
]);

describe('the front door: who may call, and how much', () => {
  let sims: Simulators;
  let gateway: Gateway;
  let replica: Gateway;
  const prefix = testPrefix('front-door');
  let window: Record<string, string>;

  beforeAll(async () => {
    sims = await startSimulators();
    const now = sims.clock.now();
    window = { since: iso(now - 6 * HOUR), until: iso(now - HOUR) };
    const env = gatewayEnv(sims, {
      AUTH_MODE: 'api-key',
      API_KEYS,
      REDIS_URL,
      CACHE_PREFIX: prefix,
      METRICS_PORT: '0',
    });
    gateway = await startGateway(env, sims.clock);
    replica = await startGateway(env, sims.clock);
  });

  afterAll(async () => {
    await Promise.all([gateway.close(), replica.close()]);
    await sims.close();
    await deletePrefix(REDIS_URL, prefix);
  });

  it('takes a key as X-API-Key or as a Bearer token', async () => {
    const byHeader = await gateway.http.get('/call-logs').set('x-api-key', KEYS.reader);
    const byBearer = await gateway.http
      .get('/call-logs')
      .set('authorization', `Bearer ${KEYS.reader}`);
    expect([byHeader.status, byBearer.status]).toEqual([200, 200]);
    expect((byHeader.body as PageBody).data.length).toBeGreaterThan(0);
  });

  it('answers 401 problem+json with WWW-Authenticate without a key, or with a wrong one', async () => {
    const none = await gateway.http.get('/call-logs');
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="call-logs"');
    expect(none.body).toMatchObject({ type: '/problems/unauthenticated', status: 401 });
    const wrong = await gateway.http.get('/call-logs').set('x-api-key', `${KEYS.reader}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(JSON.stringify(wrong.body)).not.toContain(KEYS.reader);
  });

  it('serves health without a key', async () => {
    expect((await gateway.http.get('/health/live')).status).toBe(200);
    expect((await gateway.http.get('/health/ready')).status).toBe(200);
  });

  it.each([
    ['includeRaw=true', { includeRaw: 'true' }, {}, 'includeRaw=true needs the raw scope'],
    ['refresh=true', { refresh: 'true' }, {}, 'refresh=true needs the refresh scope'],
    [
      'Cache-Control: no-cache',
      {},
      { 'cache-control': 'no-cache' },
      'Cache-Control: no-cache needs the refresh scope',
    ],
  ])(
    'answers 403 to %s without the scope, and serves it with',
    async (_, query, headers, detail) => {
      const refused = await gateway.http
        .get('/call-logs')
        .query({ ...window, ...query })
        .set({ ...headers, 'x-api-key': KEYS.reader });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ type: '/problems/forbidden', detail });
      const served = await gateway.http
        .get('/call-logs')
        .query({ ...window, ...query })
        .set({ ...headers, 'x-api-key': KEYS.admin });
      expect(served.status).toBe(200);
    },
  );

  it('serves /metrics to the metrics scope only, and to anyone on METRICS_PORT', async () => {
    expect((await gateway.http.get('/metrics').set('x-api-key', KEYS.reader)).status).toBe(403);
    const scraped = await gateway.http.get('/metrics').set('x-api-key', KEYS.admin);
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('call_log_upstream_requests_total');
    const url = gateway.app.get(MetricsListener).url;
    const open = await fetch(`${url}/metrics`);
    expect(open.status).toBe(200);
    expect(await open.text()).toContain('call_log_upstream_requests_total');
  });

  it('holds a key to its rate across two replicas sharing Redis: 429 with Retry-After and RateLimit', async () => {
    const statuses: number[] = [];
    let last: { headers: Record<string, string>; body: unknown } | undefined;
    for (let i = 0; i < 44; i += 1) {
      const answer = await (i % 2 === 0 ? gateway : replica).http
        .get('/health/live')
        .set('x-api-key', KEYS.tight);
      expect(answer.status).toBe(200);
      const page = await (i % 2 === 0 ? gateway : replica).http
        .get('/call-logs')
        .query(window)
        .set('x-api-key', KEYS.tight);
      statuses.push(page.status);
      last = page;
    }
    expect(statuses.slice(0, 40).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(40)).toEqual([429, 429, 429, 429]);
    expect(last?.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    expect(last?.headers['ratelimit-policy']).toBe('"default";q=40;w=60');
    expect(last?.headers.ratelimit).toMatch(/^"default";r=0;t=\d+$/);
    expect(last?.body).toMatchObject({ type: '/problems/rate-limited', status: 429 });
  });

  it('charges a revalidation as many units as the upstream requests it made', async () => {
    const admin = async (query: Record<string, string>) =>
      gateway.http.get('/call-logs').query(query).set('x-api-key', KEYS.admin);
    const remaining = (headers: Record<string, string>): number =>
      Number(/r=(\d+)/.exec(headers.ratelimit)?.[1]);
    // Four days of a page of 500: more records than one Kaleyra page holds, whatever the planner
    // knows, so that a charge of a unit per provider could not pass for a unit per request.
    const now = sims.clock.now();
    const wide = { since: iso(now - 5 * DAY), until: iso(now - DAY), limit: '500' };
    const before = remaining((await admin(wide)).headers);
    resetStats(sims);
    await admin({ ...wide, refresh: 'true' });
    const { cinnox, kaleyra } = upstreamRequests(sims);
    expect(kaleyra).toBeGreaterThan(1);
    expect(cinnox).toBeGreaterThan(0);
    const after = remaining((await admin(wide)).headers);
    // The revalidation's units, and the one of the request that read the header.
    expect(before - after).toBe(cinnox + kaleyra + 1);
  });

  it('refuses a caller more requests in flight than its maxConcurrent', async () => {
    resetStats(sims);
    sims.cinnox.setFaults({ latencyMs: 400 });
    try {
      const day = sims.clock.now() - 10 * DAY;
      // Sent at once (supertest sends on then), and slow: CINNOX answers in 400 ms.
      const slow = gateway.http
        .get('/call-logs')
        .query({ since: iso(day), until: iso(day + DAY) })
        .set('x-api-key', KEYS.narrow)
        .then((answer) => answer);
      await until(() => sims.cinnox.stats().requests > 0, 2_000);
      const started = await gateway.http
        .get('/call-logs')
        .query(window)
        .set('x-api-key', KEYS.narrow);
      expect(started.status).toBe(429);
      expect(started.body).toMatchObject({ detail: expect.stringContaining('in flight') });
      expect((await slow).status).toBe(200);
    } finally {
      sims.cinnox.resetFaults();
    }
  });
});

/** Sends raw bytes and reads the whole answer: for what no HTTP client would send. */
async function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('the front door: answers before and around the routes', () => {
  let sims: Simulators;
  let gateway: Gateway;
  let url: string;

  beforeAll(async () => {
    sims = await startSimulators();
    gateway = await startGateway(
      gatewayEnv(sims, { CORS_ORIGINS: 'https://reports.example.com,https://ops.example.com' }),
      sims.clock,
    );
    await gateway.app.listen(0, '127.0.0.1');
    url = (await gateway.app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await gateway.close();
    await sims.close();
  });

  it('answers a known route asked with another method 405, with Allow', async () => {
    const post = await gateway.http.post('/call-logs');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(post.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(post.body).toMatchObject({ type: '/problems/method-not-allowed', status: 405 });
    expect((await gateway.http.delete('/health/live')).status).toBe(405);
    expect((await gateway.http.post('/nowhere')).status).toBe(404);
  });

  it('answers a URL too long 414, and headers too large 431, both as problem+json', async () => {
    const long = await gateway.http.get(`/call-logs?number=${'1'.repeat(9_000)}`);
    expect(long.status).toBe(414);
    expect(long.headers['content-type']).toMatch(/^application\/problem\+json/);
    const huge = await rawExchange(
      url,
      `GET /call-logs?${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431 });
    const broken = await rawExchange(
      url,
      'GET /call-logs HTTP/1.1\r\nHost: x\r\nBad\u0001Header: y\r\n\r\n',
    );
    expect(broken).toMatch(/^HTTP\/1\.1 400 /);
    expect(broken).toContain('Content-Type: application/problem+json');
  });

  it('allows CORS to the listed origins only', async () => {
    const preflight = (origin: string) =>
      gateway.http
        .options('/call-logs')
        .set('origin', origin)
        .set('access-control-request-method', 'GET')
        .set('access-control-request-headers', 'x-api-key');
    const allowed = await preflight('https://reports.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://reports.example.com');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/X-API-Key/i);
    const other = await preflight('https://evil.example.net');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const read = await gateway.http.get('/health/live').set('origin', 'https://ops.example.com');
    expect(read.headers['access-control-allow-origin']).toBe('https://ops.example.com');
    expect(read.headers['access-control-expose-headers']).toMatch(/RateLimit/);
  });

  it('sends security headers, and no-store unless the page is of a pinned window', async () => {
    const latest = await gateway.http.get('/call-logs').query({ limit: '5' });
    expect(latest.headers['x-content-type-options']).toBe('nosniff');
    expect(latest.headers['x-frame-options']).toBe('DENY');
    // An answer of data allows nothing and carries no header that acts only on a rendered page.
    expect(latest.headers['content-security-policy']).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
    expect(latest.headers['strict-transport-security']).toContain('max-age=');
    for (const pageOnly of [
      'cross-origin-opener-policy',
      'x-xss-protection',
      'x-dns-prefetch-control',
    ])
      expect(latest.headers[pageOnly]).toBeUndefined();
    // Swagger UI's page has a CSP it works under, and every header helmet sets.
    const docs = await gateway.http.get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
    expect(docs.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(docs.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(latest.headers['cache-control']).toBe('no-store');
    const now = sims.clock.now();
    const pinned = { since: iso(now - 3 * DAY), until: iso(now - 2 * DAY), limit: '5' };
    await gateway.http.get('/call-logs').query(pinned);
    const again = await gateway.http.get('/call-logs').query(pinned);
    expect(again.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    expect(Number(/max-age=(\d+)/.exec(again.headers['cache-control'])?.[1])).toBeGreaterThan(60);
    expect(
      (await gateway.http.get('/call-logs').query({ limit: '0' })).headers['cache-control'],
    ).toBe('no-store');
  });

  it('serves only the files Swagger UI needs under /docs', async () => {
    for (const file of [
      '/docs',
      '/docs/swagger-ui.css',
      '/docs/swagger-ui-bundle.js',
      '/docs/swagger-ui-init.js',
    ]) {
      expect([file, (await gateway.http.get(file)).status]).toEqual([file, 200]);
    }
    for (const file of [
      '/docs/package.json',
      '/docs/swagger-ui-bundle.js.map',
      '/docs/LICENSE',
      '/docs/../package.json',
    ]) {
      const answer = await gateway.http.get(file);
      expect([file, answer.status]).toEqual([file, 404]);
    }
  });
});

describe('the front door: configuration', () => {
  let sims: Simulators;

  beforeAll(async () => {
    sims = await startSimulators();
  });

  afterAll(async () => {
    await sims.close();
  });

  it('reads hashed keys from a file, for mounted secrets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keys-'));
    const file = join(dir, 'keys.json');
    await writeFile(file, JSON.stringify([{ name: 'filed', sha256: sha256('filed-key-1') }]));
    const gateway = await startGateway(gatewayEnv(sims, { API_KEYS_FILE: file }), sims.clock);
    try {
      expect((await gateway.http.get('/call-logs')).status).toBe(401);
      expect((await gateway.http.get('/call-logs').set('x-api-key', 'filed-key-1')).status).toBe(
        200,
      );
    } finally {
      await gateway.close();
      await rm(dir, { recursive: true });
    }
  });

  it('serves no docs when DOCS_ENABLED=false', async () => {
    const gateway = await startGateway(gatewayEnv(sims, { DOCS_ENABLED: 'false' }), sims.clock);
    try {
      expect((await gateway.http.get('/docs')).status).toBe(404);
      expect((await gateway.http.get('/docs-json')).status).toBe(404);
    } finally {
      await gateway.close();
    }
  });

  it('refuses production without AUTH_MODE, and a bad key list; production serves no docs', async () => {
    const production = { NODE_ENV: 'production', CURSOR_SECRET: 'a-production-cursor-key' };
    await expect(startGateway(gatewayEnv(sims, production))).rejects.toThrow(
      /AUTH_MODE is required in production/,
    );
    await expect(
      startGateway(gatewayEnv(sims, { API_KEYS: JSON.stringify([{ name: 'x', sha256: 'abc' }]) })),
    ).rejects.toThrow(/API_KEYS\[0\]\.sha256 must be the 64 hex digits/);
    const none = await startGateway(
      gatewayEnv(sims, { ...production, AUTH_MODE: 'none' }),
      sims.clock,
    );
    try {
      expect((await none.http.get('/docs')).status).toBe(404);
      expect((await none.http.get('/call-logs').query({ limit: '1' })).status).toBe(200);
    } finally {
      await none.close();
    }
  });

  it('signs cursors with a key of its own outside production: another process refuses them', async () => {
    const env = gatewayEnv(sims, { CURSOR_SECRET: undefined });
    const first = await startGateway(env, sims.clock);
    const second = await startGateway(env, sims.clock);
    try {
      const page = (await first.http.get('/call-logs').query({ limit: '2' })).body as PageBody;
      expect(page.page.nextCursor).not.toBeNull();
      const cursor = page.page.nextCursor ?? '';
      expect((await first.http.get('/call-logs').query({ cursor })).status).toBe(200);
      const elsewhere = await second.http.get('/call-logs').query({ cursor });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body).toMatchObject({ errors: [{ parameter: 'cursor' }] });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
