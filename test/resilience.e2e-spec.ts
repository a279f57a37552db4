import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SliceCache } from '../src/cache/slice-cache.js';
import {
  HOUR,
  REDIS_URL,
  deletePrefix,
  gatewayEnv,
  ids,
  oracle,
  resetStats,
  startGateway,
  startSimulators,
  testPrefix,
  upstreamRequests,
  walk,
  type Gateway,
  type PageBody,
  type Simulators,
  iso,
  PINNED_NOW,
  resetFaults,
} from './utils.js';

/** CINNOX's entry in meta (200), or in the problem's providers (502). */
const cinnoxOf = (body: unknown): PageBody['meta']['providers'][number] => {
  const { meta, providers } = body as {
    meta?: PageBody['meta'];
    providers?: PageBody['meta']['providers'];
  };
  return (meta?.providers ?? providers ?? [])[0];
};

describe('one slow or failing provider never takes the endpoint down', () => {
  let sims: Simulators;
  let gateway: Gateway;
  /**
   * A closed hour nobody asked for yet, that both providers had calls in: one slice, one upstream
   * page per provider, and no cached copy that could stand in for a failure.
   */
  let hour: number;
  let query: Record<string, string>;
  /** The closed hours both providers had calls in, latest first, from 30 hours back. */
  let busyHours: number[];
  beforeEach(() => {
    hour = busyHours.shift() ?? Number.NaN;
    query = { since: iso(hour), until: iso(hour + HOUR) };
  });
  const kaleyraOf = (body: unknown) => (body as PageBody).meta.providers[1];

  beforeAll(async () => {
    sims = await startSimulators({ seed: 13 });
    const latest = Math.floor(PINNED_NOW / HOUR) * HOUR - 30 * HOUR;
    const callsIn = new Map<number, Set<string>>();
    for (const record of oracle(sims, { since: latest - 6 * 24 * HOUR, until: latest })) {
      const at = Math.floor(Date.parse(record.startedAt) / HOUR) * HOUR;
      callsIn.set(at, (callsIn.get(at) ?? new Set()).add(record.provider));
    }
    busyHours = [...callsIn]
      .filter(([, providers]) => providers.size === 2)
      .map(([at]) => at)
      .sort((a, b) => b - a);
  });

  // A gateway per test: circuit breakers remember, and each test starts from a closed circuit.
  beforeEach(async () => {
    gateway = await startGateway(
      gatewayEnv(sims, {
        UPSTREAM_TIMEOUT_MS: '300',
        REQUEST_DEADLINE_MS: '2000',
        UPSTREAM_RETRIES: '2',
        UPSTREAM_RETRY_BASE_MS: '20',
        UPSTREAM_CIRCUIT_FAILURES: '4',
        UPSTREAM_CIRCUIT_COOLDOWN_MS: '600',
      }),
      sims.clock,
    );
  });

  afterEach(async () => {
    resetFaults(sims);
    await gateway.close();
  });

  afterAll(async () => {
    await sims.close();
  });

  it('retries a burst of 5xx and answers as if nothing happened', async () => {
    resetStats(sims);
    sims.cinnox.setFaults({ errorRate: 1, remaining: 2 });
    const response = await gateway.http.get('/call-logs').query(query);
    expect(response.status).toBe(200);
    expect(cinnoxOf(response.body)).toMatchObject({ status: 'ok' });
    // Two failed attempts and the page; then the page after it, which shows the short first page
    // was the end (a new gateway has not seen CINNOX serve a longer one yet).
    expect(sims.cinnox.stats().byStatus['500']).toBe(2);
    expect(sims.cinnox.stats().byStatus['200']).toBe(2);
    expect(sims.cinnox.stats().requests).toBe(4);
    const metrics = (await gateway.http.get('/metrics')).text;
    expect(metrics).toContain('call_log_upstream_retries_total{provider="cinnox"} 2');
    expect(metrics).toContain(
      'call_log_upstream_requests_total{provider="cinnox",outcome="upstream_unavailable"} 2',
    );
    expect(metrics).toContain('call_log_upstream_requests_total{provider="cinnox",outcome="ok"} 2');
  });

  it('a provider’s own setting overrides the shared one: Kaleyra without retries, CINNOX with', async () => {
    const own = await startGateway(
      gatewayEnv(sims, {
        UPSTREAM_RETRIES: '2',
        UPSTREAM_RETRY_BASE_MS: '20',
        KALEYRA_UPSTREAM_RETRIES: '0',
      }),
      sims.clock,
    );
    try {
      resetStats(sims);
      sims.cinnox.setFaults({ errorRate: 1 });
      sims.kaleyra.setFaults({ errorRate: 1 });
      const response = await own.http.get('/call-logs').query(query);
      expect(response.status).toBe(502);
      expect(upstreamRequests(sims)).toEqual({ cinnox: 3, kaleyra: 1 });
    } finally {
      await own.close();
    }
  });

  it('waits out a 429 with Retry-After when the deadline allows', async () => {
    resetStats(sims);
    sims.kaleyra.setFaults({ rateLimitRate: 1, retryAfterSeconds: 1, remaining: 1 });
    const started = performance.now();
    const response = await gateway.http.get('/call-logs').query(query);
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(kaleyraOf(response.body)).toMatchObject({ status: 'ok' });
    expect(sims.kaleyra.stats().requests).toBe(2);
  });

  it('does not wait for a Retry-After past the deadline: upstream_rate_limited, at once', async () => {
    resetStats(sims);
    sims.kaleyra.setFaults({ rateLimitRate: 1, retryAfterSeconds: 5 });
    const started = performance.now();
    const response = await gateway.http.get('/call-logs').query(query);
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(kaleyraOf(response.body)).toMatchObject({
      status: 'error',
      error: { code: 'upstream_rate_limited' },
    });
    expect(cinnoxOf(response.body)).toMatchObject({ status: 'ok' });
    expect(sims.kaleyra.stats().requests).toBe(1);
  });

  it('never retries refused credentials', async () => {
    resetStats(sims);
    sims.cinnox.setFaults({ revokeCredentials: true });
    const response = await gateway.http.get('/call-logs').query(query);
    expect(response.status).toBe(200);
    expect(cinnoxOf(response.body)).toMatchObject({
      status: 'error',
      error: { code: 'upstream_auth' },
    });
    expect(sims.cinnox.stats().requests).toBe(1);
  });

  it('answers within its deadline when a provider hangs, with the other provider’s records', async () => {
    sims.cinnox.setFaults({ hang: true });
    const started = performance.now();
    const response = await gateway.http.get('/call-logs').query(query);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(elapsed).toBeLessThan(2000 + 500);
    expect(cinnoxOf(response.body)).toMatchObject({
      status: 'error',
      error: { code: 'upstream_timeout' },
    });
    expect(kaleyraOf(response.body)).toMatchObject({ status: 'ok' });
    expect((response.body as PageBody).data.every((record) => record.provider === 'kaleyra')).toBe(
      true,
    );
  });

  it('X-Request-Timeout lowers the deadline, and a bad one is a 400 naming it', async () => {
    sims.cinnox.setFaults({ latencyMs: 1500 });
    const started = performance.now();
    const response = await gateway.http
      .get('/call-logs')
      .query(query)
      .set('x-request-timeout', '400');
    expect(performance.now() - started).toBeLessThan(400 + 500);
    expect(cinnoxOf(response.body)).toMatchObject({
      status: 'error',
      error: { code: 'upstream_timeout' },
    });
    const bad = await gateway.http.get('/call-logs').query(query).set('x-request-timeout', 'soon');
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: Array<{ parameter: string }> }).errors[0].parameter).toBe(
      'X-Request-Timeout',
    );
  });

  it('strict=true turns a provider failure into a 502 problem, and a timeout into a 504', async () => {
    sims.cinnox.setFaults({ revokeCredentials: true });
    const failed = await gateway.http.get('/call-logs').query({ ...query, strict: 'true' });
    expect(failed.status).toBe(502);
    expect(failed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(failed.body).toMatchObject({ status: 502, title: 'A provider could not answer' });
    sims.cinnox.setFaults({ revokeCredentials: false, hang: true });
    const timedOut = await gateway.http.get('/call-logs').query({ ...query, strict: 'true' });
    expect(timedOut.status).toBe(504);
    expect(timedOut.body).toMatchObject({ status: 504, type: '/problems/upstreams-timeout' });
  });

  /** One page, checked to be in order; its records are added to `seen`. */
  const pageOf =
    (walkQuery: Record<string, string>, seen: string[]) =>
    async (cursor: string | null): Promise<PageBody> => {
      const response = await gateway.http
        .get('/call-logs')
        .query(cursor === null ? walkQuery : { ...walkQuery, cursor });
      expect(response.status).toBe(200);
      const body = response.body as PageBody;
      const order = body.data.map((record) => [Date.parse(record.startedAt), record.id] as const);
      for (let i = 1; i < order.length; i += 1) {
        const [at, id] = order[i];
        const [before, beforeId] = order[i - 1];
        expect(at < before || (at === before && id < beforeId)).toBe(true);
      }
      seen.push(...ids(body.data));
      return body;
    };

  it('a walk resumes a provider that failed mid-walk: every record exactly once, each page in order', async () => {
    // Three days hold a working day whatever day it is: enough CINNOX records that the pages
    // without Kaleyra do not reach the end of the window.
    const window = { since: hour - 71 * HOUR, until: hour + HOUR };
    const seen: string[] = [];
    const next = pageOf({ since: iso(window.since), until: iso(window.until), limit: '10' }, seen);
    expect(
      oracle(sims, window).filter((record) => record.provider === 'cinnox').length,
    ).toBeGreaterThan(50);

    let body = await next(null);
    expect(kaleyraOf(body)).toMatchObject({ status: 'ok' });
    sims.kaleyra.setFaults({ revokeCredentials: true });
    // Pages go on while Kaleyra is down (the first may still come from slices already cached).
    let failed = 0;
    for (let page = 0; failed < 2; page += 1) {
      expect(page).toBeLessThan(30);
      body = await next(body.page.nextCursor);
      expect(body.page.nextCursor).not.toBeNull();
      if (kaleyraOf(body).status === 'error') {
        expect(kaleyraOf(body).error?.code).toBe('upstream_auth');
        failed += 1;
      }
    }

    sims.kaleyra.resetFaults();
    body = await next(body.page.nextCursor);
    const resumed = kaleyraOf(body) as { status: string; resumedFrom?: string };
    expect(resumed.status).toBe('ok');
    expect(Date.parse(resumed.resumedFrom ?? '')).toBeLessThan(window.until);
    const first = body.data.find((record) => record.provider === 'kaleyra');
    expect(Date.parse(first?.startedAt ?? '')).toBeLessThanOrEqual(
      Date.parse(resumed.resumedFrom ?? ''),
    );
    while (body.page.nextCursor !== null) body = await next(body.page.nextCursor);
    expect(body.page.resumeCursor).toBeNull();

    const expected = ids(oracle(sims, window));
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(expected.filter((id) => id.startsWith('kaleyra:')).length).toBeGreaterThan(5);
  });

  it('a walk ends while a provider is down, and its resumeCursor brings exactly what that provider missed', async () => {
    // Two days: more than a page of each provider's calls, even over a weekend.
    const window = { since: hour - 47 * HOUR, until: hour + HOUR };
    const limit = 25;
    const seen: string[] = [];
    const walkQuery = { since: iso(window.since), until: iso(window.until), limit: String(limit) };
    const next = pageOf(walkQuery, seen);
    const expected = oracle(sims, window);
    const cinnoxRecords = expected.filter((record) => record.provider === 'cinnox').length;

    sims.kaleyra.setFaults({ revokeCredentials: true });
    const cursors = new Set<string>();
    let body = await next(null);
    let pages = 1;
    while (body.page.nextCursor !== null) {
      expect(cursors.has(body.page.nextCursor)).toBe(false);
      cursors.add(body.page.nextCursor);
      expect(body.page.resumeCursor).toBeNull();
      body = await next(body.page.nextCursor);
      pages += 1;
      expect(pages).toBeLessThanOrEqual(Math.ceil(cinnoxRecords / limit) + 1);
    }
    expect(kaleyraOf(body)).toMatchObject({ status: 'error', error: { code: 'upstream_auth' } });
    expect([...seen].sort()).toEqual(
      ids(expected.filter((record) => record.provider === 'cinnox')).sort(),
    );
    const resumeCursor = body.page.resumeCursor;
    expect(resumeCursor).not.toBeNull();

    // Still down: nothing can be served yet, and the cursor stays good.
    const early = await gateway.http
      .get('/call-logs')
      .query({ ...walkQuery, cursor: resumeCursor });
    expect(early.status).toBe(502);

    sims.kaleyra.resetFaults();
    const missed: string[] = [];
    const resume = pageOf(walkQuery, missed);
    body = await resume(resumeCursor);
    expect(body.meta.providers[0]).toMatchObject({ status: 'skipped', reason: 'done' });
    while (body.page.nextCursor !== null) body = await resume(body.page.nextCursor);
    expect(body.page.resumeCursor).toBeNull();
    const kaleyraExpected = ids(expected.filter((record) => record.provider === 'kaleyra'));
    expect(kaleyraExpected.length).toBeGreaterThan(limit);
    expect(missed).toEqual(kaleyraExpected);
  });

  it('a provider that fails again while it catches up keeps its place, and the others make the page', async () => {
    // Kaleyra's attempts outlast the request: only the walk can stop waiting for it.
    const own = await startGateway(
      gatewayEnv(sims, {
        REQUEST_DEADLINE_MS: '2000',
        KALEYRA_UPSTREAM_TIMEOUT_MS: '3000',
        KALEYRA_UPSTREAM_RETRIES: '0',
      }),
      sims.clock,
    );
    try {
      const window = { since: hour - 71 * HOUR, until: hour + HOUR };
      const walkQuery = { since: iso(window.since), until: iso(window.until), limit: '25' };
      const cinnox = ids(oracle(sims, window).filter((record) => record.provider === 'cinnox'));
      expect(cinnox.length).toBeGreaterThan(50);

      // Kaleyra refuses the first page: it stays at the window's start while CINNOX moves on.
      sims.kaleyra.setFaults({ revokeCredentials: true });
      const first = await own.http.get('/call-logs').query(walkQuery);
      expect(first.status).toBe(200);
      expect(kaleyraOf(first.body)).toMatchObject({ error: { code: 'upstream_auth' } });
      const cursor = (first.body as PageBody).page.nextCursor;

      // Then it hangs where it would catch up.
      sims.kaleyra.resetFaults();
      sims.kaleyra.setFaults({ hang: true });
      const started = performance.now();
      const second = await own.http.get('/call-logs').query({ ...walkQuery, cursor });
      const took = performance.now() - started;
      sims.kaleyra.resetFaults();

      expect(second.status).toBe(200);
      expect(took).toBeLessThan(2000);
      const body = second.body as PageBody;
      expect(kaleyraOf(body)).toMatchObject({ error: { code: 'upstream_timeout' } });
      expect(ids(body.data)).toEqual(cinnox.slice(25, 50));
      expect(body.page.nextCursor).not.toBeNull();
      expect(body.page.nextCursor).not.toBe(cursor);
    } finally {
      await own.close();
    }
  });

  it('a walk the deadline cuts short gives the rounds it finished, and its cursor goes on', async () => {
    const window = { since: hour - 4 * 24 * HOUR, until: hour };
    const walkQuery = { since: iso(window.since), until: iso(window.until), limit: '500' };
    // Slow but well: each Kaleyra page takes 120 ms, and four days are more pages than 700 ms allow.
    sims.kaleyra.setFaults({ latencyMs: 120 });
    const first = await gateway.http
      .get('/call-logs')
      .query(walkQuery)
      .set('x-request-timeout', '700');
    sims.kaleyra.resetFaults();
    expect(first.status).toBe(200);
    const body = first.body as PageBody;
    expect(body.meta.providers.map((meta) => meta.status)).toEqual(['ok', 'ok']);
    expect(body.data.length).toBeGreaterThan(0);
    expect(body.data.length).toBeLessThan(500);
    expect(body.page.nextCursor).not.toBeNull();

    const seen = ids(body.data);
    let cursor: string | null = body.page.nextCursor;
    while (cursor !== null) {
      const next = await gateway.http.get('/call-logs').query({ ...walkQuery, cursor });
      expect(next.status).toBe(200);
      seen.push(...ids((next.body as PageBody).data));
      cursor = (next.body as PageBody).page.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(ids(oracle(sims, window)).sort());
  });

  it('a page past its budget of upstream requests is cut short, and its cursor goes on', async () => {
    const frugal = await startGateway(
      gatewayEnv(sims, { MAX_UPSTREAM_REQUESTS_PER_REQUEST: '4' }),
      sims.clock,
    );
    try {
      const window = { since: hour - 4 * 24 * HOUR, until: hour };
      // Rare calls, filtered in the gateway: a page walks many slices to find 500.
      const walkQuery = {
        since: iso(window.since),
        until: iso(window.until),
        limit: '500',
        minDuration: '600',
      };
      resetStats(sims);
      const first = await frugal.http.get('/call-logs').query(walkQuery);
      expect(first.status).toBe(200);
      const body = first.body as PageBody;
      const spent = body.meta.providers.reduce((sum, meta) => sum + meta.upstreamRequests, 0);
      // The budget is read between rounds: the round that crosses it is the page's last.
      expect(spent).toBeGreaterThanOrEqual(4);
      expect(spent).toBeLessThan(20);
      expect(body.data.length).toBeLessThan(500);
      expect(body.page.nextCursor).not.toBeNull();
      const { records } = await walk(frugal.http, walkQuery);
      const expected = ids(oracle(sims, window, (record) => (record.durationSeconds ?? 0) >= 600));
      expect(expected.length).toBeGreaterThan(0);
      expect(ids(records)).toEqual(expected);
    } finally {
      await frugal.close();
    }
  });

  it('the deadline cuts a walk that never waits for I/O: the clock stops it, and each cursor goes on', async () => {
    // Once the window is warm, every read of this gateway's clock moves it on by 20 ms, as work
    // would: its deadlines pass by the clock alone, however fast the machine. A page's deadline of
    // 600 ms is then some 30 reads of the clock, and real time, which the clock also follows, has
    // room for a machine that stalls a page for most of half a second.
    const clock = sims.clock.fork();
    const ticking = await startGateway(gatewayEnv(sims), clock);
    try {
      const window = { since: hour - 13 * 24 * HOUR, until: hour };
      // Long calls are rare and the duration is not pushed down: a page walks many slices to fill.
      const walkQuery = {
        since: iso(window.since),
        until: iso(window.until),
        limit: '500',
        minDuration: '900',
      };
      const expected = ids(oracle(sims, window, (record) => (record.durationSeconds ?? 0) >= 900));
      expect(expected.length).toBeGreaterThan(20);
      // Warmed: every slice a later walk of the window asks for is held, decoded, in memory
      // (slices nest, so any of them lies inside one held or is tiled by them).
      expect(ids((await walk(ticking.http, walkQuery)).records)).toEqual(expected);
      await ticking.app.get(SliceCache).idle();
      resetStats(sims);
      clock.tick = 20;

      // Served from memory, each slice settles at once: no timer can run during the walk, and only
      // the clock, read between rounds, can stop it. (Another page size, so that no page of the
      // warm walk is served again as it is.)
      const cutQuery = { ...walkQuery, limit: '499' };
      const seen: string[] = [];
      const cursors = new Set<string>();
      let cut = 0;
      let cursor: string | null = null;
      do {
        const response = await ticking.http
          .get('/call-logs')
          .query(cursor === null ? cutQuery : { ...cutQuery, cursor })
          .set('x-request-timeout', '600');
        expect(response.status).toBe(200);
        const body = response.body as PageBody;
        expect(body.meta.providers.map((meta) => meta.upstreamRequests)).toEqual([0, 0]);
        seen.push(...ids(body.data));
        cursor = body.page.nextCursor;
        if (cursor !== null) {
          expect(cursors.has(cursor)).toBe(false);
          cursors.add(cursor);
          if (body.data.length < 499) cut += 1;
        }
      } while (cursor !== null);
      expect(upstreamRequests(sims)).toEqual({ cinnox: 0, kaleyra: 0 });
      expect(cut).toBeGreaterThan(2);
      expect(seen).toEqual(expected);
      expect((await ticking.http.get('/health/live')).status).toBe(200);
    } finally {
      await ticking.close();
    }
  });

  it('opens the circuit of a provider that keeps failing, stops asking it, and closes it once it recovers', async () => {
    sims.cinnox.setFaults({ errorRate: 1 });
    let code: string | undefined;
    for (let i = 0; i < 5 && code !== 'circuit_open'; i += 1) {
      const response = await gateway.http.get('/call-logs').query(query);
      expect(response.status).toBe(200);
      code = cinnoxOf(response.body).error?.code;
    }
    expect(code).toBe('circuit_open');
    resetStats(sims);
    const open = await gateway.http.get('/call-logs').query(query);
    expect(cinnoxOf(open.body)).toMatchObject({ status: 'error', error: { code: 'circuit_open' } });
    expect(sims.cinnox.stats().requests).toBe(0);
    expect((await gateway.http.get('/metrics')).text).toContain(
      'call_log_circuit_state{provider="cinnox"} 2',
    );

    sims.cinnox.resetFaults();
    await new Promise((resolve) => setTimeout(resolve, 700)); // the configured cool-down: there is no event to await
    const recovered = await gateway.http.get('/call-logs').query(query);
    expect(cinnoxOf(recovered.body)).toMatchObject({ status: 'ok' });
    expect((await gateway.http.get('/metrics')).text).toContain(
      'call_log_circuit_state{provider="cinnox"} 0',
    );
    expect(sims.cinnox.stats().requests).toBeGreaterThan(0);
  });

  it('a body that is not JSON is upstream_bad_response, never retried as if it could change', async () => {
    resetStats(sims);
    sims.kaleyra.setFaults({ malformed: 'truncated' });
    const response = await gateway.http.get('/call-logs').query(query);
    expect(response.status).toBe(200);
    expect(kaleyraOf(response.body)).toMatchObject({
      status: 'error',
      error: { code: 'upstream_bad_response' },
    });
    expect(sims.kaleyra.stats().requests).toBe(1);
  });
});

describe('the rate limit of a provider account, across replicas', () => {
  let sims: Simulators;
  const prefix = testPrefix('rate');

  beforeAll(async () => {
    sims = await startSimulators({ seed: 17 });
  });

  afterAll(async () => {
    await deletePrefix(REDIS_URL, prefix);
    await sims.close();
  });

  it('two replicas sharing Redis never ask CINNOX more than its limit between them', async () => {
    // Six hours that CINNOX had calls in (the quiet hours of its nights have none), whatever
    // instant the test's world starts at; found before the gateways start, as it takes a while.
    const latest = Math.floor(PINNED_NOW / HOUR) * HOUR - 50 * HOUR;
    const hours = new Set(
      oracle(sims, { since: latest - 3 * 24 * HOUR, until: latest + HOUR })
        .filter((record) => record.provider === 'cinnox')
        .map((record) => Math.floor(Date.parse(record.startedAt) / HOUR) * HOUR),
    );
    const busy = [...hours].sort((a, b) => b - a).slice(0, 6);
    expect(busy).toHaveLength(6);
    const env = gatewayEnv(sims, {
      REDIS_URL,
      CACHE_PREFIX: prefix,
      CINNOX_RATE_LIMIT_PER_MINUTE: '3',
      REQUEST_DEADLINE_MS: '1500',
    });
    const replicas = [await startGateway(env, sims.clock), await startGateway(env, sims.clock)];
    try {
      resetStats(sims);
      const responses = [];
      for (const [i, since] of busy.entries()) {
        const started = performance.now();
        const response = await replicas[i % 2].http
          .get('/call-logs')
          .query({ since: iso(since), until: iso(since + HOUR), provider: 'cinnox' });
        responses.push({ response, ms: performance.now() - started });
      }
      expect(sims.cinnox.stats().requests).toBe(3);
      const limited = responses.filter(
        ({ response }) => cinnoxOf(response.body).error?.code === 'upstream_rate_limited',
      );
      // Each hour takes one or two requests (a short page may be followed by the page that shows it
      // was the end): three requests answer one or two hours, and the others are refused.
      expect(limited.length).toBeGreaterThanOrEqual(4);
      expect(responses.length - limited.length).toBeGreaterThanOrEqual(1);
      for (const { response } of responses.filter((outcome) => !limited.includes(outcome))) {
        expect(response.status).toBe(200);
      }
      // A wait that cannot fit the deadline is refused at once, not waited out.
      for (const { response, ms } of limited) {
        expect(response.status).toBe(502);
        expect(ms).toBeLessThan(1000);
      }
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
  });
});
