import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { drain } from '../src/app/shutdown.js';
import { CinnoxSimulator } from '../src/cinnox/sandbox/cinnox.simulator.js';
import { KaleyraSimulator } from '../src/kaleyra/sandbox/kaleyra.simulator.js';
import { AppLogger } from '../src/logging/app-logger.js';
import { createLogger } from '../src/logging/logger.js';
import {
  DAY,
  HOUR,
  gatewayEnv,
  iso,
  startGateway,
  startSimulators,
  type Gateway,
  type Simulators,
} from './utils.js';
import { LogLines } from './log-lines.js';

const KEY = 'operations-key-3f9b27';
const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');

describe('what an on-call engineer sees: logs, metrics, traces', () => {
  let sims: Simulators;
  let gateway: Gateway;
  const output = new LogLines();
  const spans = new InMemorySpanExporter();

  beforeAll(async () => {
    sims = await startSimulators();
    gateway = await startGateway(
      gatewayEnv(sims, {
        LOG_LEVEL: 'log',
        LOG_FORMAT: 'json',
        API_KEYS: JSON.stringify([{ name: 'reports', sha256: sha256(KEY), scopes: ['metrics'] }]),
      }),
      sims.clock,
      undefined,
      { logDestination: output, spanProcessors: [new SimpleSpanProcessor(spans)] },
    );
  });

  afterAll(async () => {
    await gateway.close();
    await sims.close();
  });

  it('writes every line of a request with its id and caller, and one access line', async () => {
    sims.kaleyra.setFaults({ revokeCredentials: true });
    const now = sims.clock.now();
    try {
      const response = await gateway.http
        .get('/call-logs')
        .query({ since: iso(now - 3 * HOUR), until: iso(now - HOUR) })
        .set('x-api-key', KEY)
        .set('x-request-id', 'trace-me-1');
      expect(response.status).toBe(200);
    } finally {
      sims.kaleyra.resetFaults();
    }
    const mine = output.lines.filter((line) => line.requestId === 'trace-me-1');
    // The provider's failure, logged deep in the walk, carries the request's id and caller.
    const failure = mine.find((line) => String(line.msg).includes('kaleyra failed'));
    expect(failure).toMatchObject({ level: 'warn', caller: 'reports', context: 'CallLogsService' });
    const access = mine.filter((line) => line.msg === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: 'info',
      caller: 'reports',
      method: 'GET',
      route: '/call-logs',
      status: 200,
      durationMs: expect.any(Number),
      upstreamRequests: expect.any(Number),
      providers: [
        { provider: 'cinnox', status: 'ok', cache: 'miss' },
        { provider: 'kaleyra', status: 'error', detail: 'upstream_auth' },
      ],
    });
    expect(access[0].upstreamRequests).toBeGreaterThan(0);
  });

  it('never writes a credential of the run', () => {
    const secrets = [
      KEY,
      CinnoxSimulator.credentials.appToken,
      KaleyraSimulator.credentials.apiKey,
      gatewayEnv(sims).CURSOR_SECRET ?? '',
    ];
    expect(output.text.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect([secret, output.text.some((line) => line.includes(secret))]).toEqual([secret, false]);
    }
  });

  it('counts requests, cache outcomes, fills, the stores and the process', async () => {
    const text = (await gateway.http.get('/metrics').set('x-api-key', KEY)).text;
    for (const series of [
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/call-logs",status="200"}',
      'call_log_cache_slices_total{provider="cinnox",outcome="miss"}',
      'call_log_slice_fill_seconds_count{provider="cinnox",outcome="ok"}',
      'call_log_slice_fill_seconds_count{provider="kaleyra",outcome="error"}',
      'call_log_store_up{store="cache"} 1',
      'call_log_store_up{store="caller-limits"} 1',
      'call_log_page_cache_bytes',
      'call_log_upstream_requests_total{provider="kaleyra",outcome="upstream_auth"}',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect([series, text.includes(series)]).toEqual([series, true]);
    }
  });

  it('traces a request, its fills and its upstream requests, continuing the caller’s trace', async () => {
    spans.reset();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const now = sims.clock.now();
    sims.cinnox.resetStats();
    const response = await gateway.http
      .get('/call-logs')
      .query({ since: iso(now - 2 * DAY), until: iso(now - 2 * DAY + HOUR), provider: 'cinnox' })
      .set('x-api-key', KEY)
      .set('traceparent', `00-${traceId}-b7ad6b7169203331-01`);
    expect(response.status).toBe(200);
    const finished = spans.getFinishedSpans();
    const server = finished.find((span) => span.name === 'GET /call-logs');
    expect(server?.spanContext().traceId).toBe(traceId);
    expect(server?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(server?.attributes).toMatchObject({
      'http.response.status_code': 200,
      'call_log.caller': 'reports',
    });
    const fills = finished.filter((span) => span.name === 'slice fill');
    expect(fills.length).toBeGreaterThan(0);
    for (const fill of fills) {
      expect(fill.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
      expect(fill.attributes).toMatchObject({
        'call_log.provider': 'cinnox',
        'call_log.fill.outcome': 'ok',
      });
    }
    const upstream = finished.filter((span) => span.name === 'CINNOX request');
    expect(upstream.length).toBe(sims.cinnox.stats().requests);
    const fillIds = new Set(fills.map((fill) => fill.spanContext().spanId));
    expect(upstream.every((span) => fillIds.has(span.parentSpanContext?.spanId ?? ''))).toBe(true);
    // CINNOX was told the trace: each request's traceparent names the trace and its own span.
    const sent = sims.cinnox.stats().log.map((entry) => entry.traceparent ?? '');
    expect(sent.every((header) => header.startsWith(`00-${traceId}-`))).toBe(true);
    const upstreamIds = new Set(upstream.map((span) => span.spanContext().spanId));
    expect(sent.every((header) => upstreamIds.has(header.split('-')[2]))).toBe(true);
  });
});

describe('a shutdown that fails no request', () => {
  /** Ten slow requests in flight, then the drain: each answers 200, readiness 503 meanwhile. */
  async function drainWhileBusy(gateway: Gateway, slowDown: () => unknown, now: number) {
    await slowDown();
    const server: Server = gateway.app.getHttpServer();
    let arrivals = 0;
    const allIn = new Promise<void>((resolve) => {
      const arrived = (): void => {
        arrivals += 1;
        if (arrivals < 10) return;
        server.off('request', arrived);
        resolve();
      };
      server.on('request', arrived);
    });
    const inFlight = Array.from({ length: 10 }, (_, i) => {
      const since = now - (10 + i) * DAY;
      return gateway.http
        .get('/call-logs')
        .query({ since: iso(since), until: iso(since + HOUR), provider: 'cinnox' })
        .then((answer) => answer.status);
    });
    const url = (await gateway.app.getUrl()).replace('[::1]', '127.0.0.1');
    // Once the server has all ten, the signal comes.
    await allIn;
    const started = performance.now();
    const output = new LogLines();
    const drained = drain(
      gateway.app,
      createLogger({ level: 'log', format: 'json', secrets: [] }, output),
      { graceMs: 5_000, delayMs: 300 },
      'SIGTERM',
    );
    // While it goes on serving for load balancers to notice, readiness answers 503.
    const ready = (await fetch(`${url}/health/ready`)).status;
    const statuses = await Promise.all(inFlight);
    const code = await drained;
    return {
      code,
      ms: performance.now() - started,
      ready,
      statuses,
      steps: output.lines.map((line) => line.msg),
    };
  }

  it('in live mode: the requests in flight finish, readiness says 503, and it ends within the grace', async () => {
    const sims = await startSimulators();
    try {
      const gateway = await startGateway(gatewayEnv(sims), sims.clock);
      await gateway.app.listen(0, '127.0.0.1');
      const result = await drainWhileBusy(
        gateway,
        () => sims.cinnox.setFaults({ latencyMs: 300 }),
        sims.clock.now(),
      );
      expect(result.statuses).toEqual(Array(10).fill(200));
      expect(result.ready).toBe(503);
      expect(result.code).toBe(0);
      expect(result.ms).toBeLessThan(5_000);
      expect(result.steps).toEqual([
        'shutdown: readiness answers 503 from now on',
        'shutdown: still serving while load balancers notice',
        'shutdown: the listener stops; idle connections close; requests in flight finish',
        'shutdown: requests done; closing Redis, the limiters and the simulators',
        'shutdown: done',
      ]);
    } finally {
      await sims.close();
    }
  });

  it('in sandbox mode: the simulators stay up until the requests in flight have their answers', async () => {
    const output = new LogLines();
    const gateway = await startGateway(
      { NODE_ENV: 'development', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' },
      undefined,
      undefined,
      {
        logDestination: output,
      },
    );
    await gateway.app.listen(0, '127.0.0.1');
    // The built-in CINNOX simulator says where it listens; it is slowed through its own route.
    const line = output.lines.find((entry) =>
      String(entry.msg).startsWith('CINNOX RUNS IN SANDBOX MODE'),
    );
    const url = /simulator at (http:\/\/\S+) answers/.exec(String(line?.msg))?.[1];
    expect(url).toMatch(/^http:/);
    const result = await drainWhileBusy(
      gateway,
      async () => {
        await fetch(`${url}/__sim/faults`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ latencyMs: 300 }),
        });
      },
      Date.now(),
    );
    expect(result.statuses).toEqual(Array(10).fill(200));
    expect(result.ready).toBe(503);
    expect(result.code).toBe(0);
    expect(gateway.app.get(AppLogger)).toBeInstanceOf(AppLogger);
  });
});
