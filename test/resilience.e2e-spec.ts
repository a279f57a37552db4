import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
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
  type Gateway,
  type PageBody,
  type Simulators,
  iso,
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
   * A closed hour nobody asked for yet: one slice, one upstream page per provider, and no cached
   * copy that could stand in for a failure.
   */
  let hour = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;
  let query: Record<string, string>;
  beforeEach(() => {
    hour -= HOUR;
    query = { since: iso(hour), until: iso(hour + HOUR) };
  });
  const kaleyraOf = (body: unknown) => (body as PageBody).meta.providers[1];

  beforeAll(async () => {
    sims = await startSimulators({ seed: 13 });
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
    expect(sims.cinnox.stats().byStatus['500']).toBe(2);
    expect(sims.cinnox.stats().requests).toBe(3);
    const metrics = (await gateway.http.get('/metrics')).text;
    expect(metrics).toContain('call_log_upstream_retries_total{provider="cinnox"} 2');
    expect(metrics).toContain(
      'call_log_upstream_requests_total{provider="cinnox",outcome="upstream_unavailable"} 2',
    );
    expect(metrics).toContain('call_log_upstream_requests_total{provider="cinnox",outcome="ok"} 1');
  });

  it('a provider’s own setting overrides the shared one: Kaleyra without retries, CINNOX with', async () => {
    const own = await startGateway(
      gatewayEnv(sims, {
        UPSTREAM_RETRIES: '2',
        UPSTREAM_RETRY_BASE_MS: '20',
        KALEYRA_UPSTREAM_RETRIES: '0',
      }),
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

  it('a walk resumes a provider that failed mid-walk: every record exactly once, each page in order', async () => {
    const window = { since: hour - 5 * HOUR, until: hour + HOUR };
    const walkQuery = { since: iso(window.since), until: iso(window.until), limit: '10' };
    const seen: string[] = [];
    const next = async (cursor: string | null): Promise<PageBody> => {
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

    let body = await next(null);
    expect(kaleyraOf(body)).toMatchObject({ status: 'ok' });
    sims.kaleyra.setFaults({ revokeCredentials: true });
    const failing: PageBody[] = [];
    // Until CINNOX has nothing more to give: Kaleyra keeps its place however long it is down.
    do {
      body = await next(body.page.nextCursor);
      failing.push(body);
    } while (body.data.length > 0);
    expect(failing.some((page) => kaleyraOf(page).error?.code === 'upstream_auth')).toBe(true);
    expect(kaleyraOf(body)).toMatchObject({ status: 'error', error: { code: 'upstream_auth' } });
    expect(body.page.nextCursor).not.toBeNull();

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

    const expected = ids(oracle(sims, window));
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(expected.filter((id) => id.startsWith('kaleyra:')).length).toBeGreaterThan(5);
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
    const env = gatewayEnv(sims, {
      REDIS_URL,
      CACHE_PREFIX: prefix,
      CINNOX_RATE_LIMIT_PER_MINUTE: '3',
      REQUEST_DEADLINE_MS: '1500',
    });
    const replicas = [await startGateway(env), await startGateway(env)];
    try {
      resetStats(sims);
      const base = Math.floor(Date.now() / HOUR) * HOUR - 50 * HOUR;
      const responses = [];
      for (let i = 0; i < 6; i += 1) {
        const since = base - i * HOUR;
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
      expect(limited).toHaveLength(3);
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
