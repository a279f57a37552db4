import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import type { Environment } from '../src/config/read-variables.js';
import type { CallLog } from '../src/domain/call-log.js';
import { Deadline } from '../src/domain/deadline.js';
import { KALEYRA_ASKED_PAGE_SIZE } from '../src/kaleyra/kaleyra.types.js';
import { ProviderRegistry } from '../src/upstreams/provider-registry.js';
import { Redis } from 'ioredis';
import { deletePrefix } from '../test/redis-keys.js';
import { DENSE_CALLS_PER_DAY } from '../test/dense-day.js';
import { type WholeDay, wholeDay } from './whole-day.js';
import { type DayExport, exportDay } from './export-day.js';
import {
  DAY,
  REDIS_URL,
  gatewayEnv,
  iso,
  resetStats,
  serveGateway,
  startSimulators,
  upstreamRequests,
  TestClock,
  type Simulators,
} from '../test/utils.js';

/*
 * `npm run bench`: the gateway against the simulators, reported as ratios measured in one run.
 * - First page of a 24-hour and a 14-day window: the slice walk against a baseline that fetches the
 *   whole window from both providers, merges and sorts (what a hand-written integration does).
 *   Cold every time, each upstream request delayed as a network would, at two pinned instants.
 * - A warm page: requests per second and p99 against a plain Fastify route serving the same bytes,
 *   from memory and from Redis (plain Fastify + ioredis GET).
 * - 100 identical cold requests at once over two replicas sharing Redis: upstream requests.
 * - A whole busy day of a dense data set walked at limit 500, cold and warm, against fetching the
 *   whole day at once at the same page sizes: upstream requests and records per second.
 * - The same day exported whole as NDJSON and CSV, and as NDJSON with the slices in Redis.
 * With BENCH_JSON=1 the figures are also printed as one JSON line, for machines.
 */

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const UPSTREAM_LATENCY_MS = Number(process.env.BENCH_UPSTREAM_LATENCY_MS ?? 20);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const CONNECTIONS = 50;
const WARM_UP_SECONDS = 2;
const PAGE = 50;

const run = promisify(execFile);
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ratio = (a: number, b: number): string => (b === 0 ? '∞' : `${(a / b).toFixed(1)}x`);

async function main(): Promise<void> {
  const sims = await startSimulators({ seed: 7 });
  const now = sims.clock.now();
  const env = (extra: Environment): Environment => benchEnv(sims, extra);
  const warm = await serveGateway(env({}), sims.clock);

  const figures: Figures = {
    firstPages: [],
    warmPages: [],
    coldRequests: null,
    wholeDay: null,
    exports: [],
  };
  const print = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  print(
    `Upstream simulators with a seeded data set of two weeks; ${UPSTREAM_LATENCY_MS} ms added to each upstream request; Kaleyra asked for pages of ${KALEYRA_ASKED_PAGE_SIZE}; ${RUNS} interleaved runs, medians. The clock of simulators and gateway is pinned to the instant named, so the figures do not depend on when the benchmark runs.`,
  );
  print('');
  print(
    '| first page (limit 50) | gateway: upstream requests (CINNOX + Kaleyra) | the same, first run | baseline: upstream requests | limit: upstream requests | requests ratio | gateway ms | baseline ms | time ratio |',
  );
  print('|---|---|---|---|---|---|---|---|---|');
  for (const moment of MOMENTS) {
    for (const page of await firstPages(moment)) {
      figures.firstPages.push(page);
      print(
        `| ${page.window}, ${page.moment} | ${page.gatewayRequests} (${page.gatewayByProvider.join(' + ')}) | ${page.firstRunRequests} | ${page.baselineRequests} | ${page.limitRequests} | ${ratio(page.baselineRequests, page.gatewayRequests)} cheaper | ${page.gatewayMs.toFixed(0)} | ${page.baselineMs.toFixed(0)} | ${ratio(page.baselineMs, page.gatewayMs)} faster |`,
      );
    }
  }

  // A warm page: the 24-hour window's first page, every slice already cached.
  const path = `/call-logs?since=${iso(now - DAY)}&until=${iso(now)}&limit=${PAGE}`;
  const bytes = Buffer.from(await (await fetch(`${warm.url}${path}`)).arrayBuffer());
  const plain = Fastify();
  plain.get('/call-logs', (_request, reply) => {
    void reply.header('content-type', 'application/json; charset=utf-8').send(bytes);
  });
  const plainUrl = await plain.listen({ port: 0, host: '127.0.0.1' });

  // The same, with the slices in Redis, against a plain route that reads the same bytes from Redis.
  const prefix = `bench:${process.pid}:`;
  const shared = await serveGateway(env({ REDIS_URL, CACHE_PREFIX: prefix }), sims.clock);
  await fetch(`${shared.url}${path}`);
  const redis = new Redis(REDIS_URL);
  await redis.set(`${prefix}plain-page`, bytes);
  const plainRedis = Fastify();
  plainRedis.get('/call-logs', async (_request, reply) => {
    const page = await redis.getBuffer(`${prefix}plain-page`);
    return reply.header('content-type', 'application/json; charset=utf-8').send(page);
  });
  const plainRedisUrl = await plainRedis.listen({ port: 0, host: '127.0.0.1' });

  const pairs = [
    [
      'in-process cache',
      `${warm.url}${path}`,
      'plain Fastify, the same bytes',
      `${plainUrl}${path}`,
    ],
    [
      'Redis cache',
      `${shared.url}${path}`,
      'plain Fastify + ioredis GET, the same bytes',
      `${plainRedisUrl}${path}`,
    ],
  ] as const;
  print('');
  print(
    `| warm page (${(bytes.length / 1024).toFixed(1)} KB, ${CONNECTIONS} connections, ${LOAD_SECONDS} s after ${WARM_UP_SECONDS} s of warm-up, best of 3) | requests/s | p99 ms | gateway / plain requests/s |`,
  );
  print('|---|---|---|---|');
  for (const [gatewayLabel, gatewayUrl, plainLabel, plainTarget] of pairs) {
    const results = { gateway: [] as Load[], plain: [] as Load[] };
    // Both warmed up first, so that neither is measured while its code is still being compiled.
    await load(gatewayUrl, WARM_UP_SECONDS);
    await load(plainTarget, WARM_UP_SECONDS);
    for (let i = 0; i < 3; i += 1) {
      results.gateway.push(await load(gatewayUrl));
      results.plain.push(await load(plainTarget));
    }
    const best = (loads: Load[]): Load => loads.reduce((a, b) => (a.rps >= b.rps ? a : b));
    const [g, p] = [best(results.gateway), best(results.plain)];
    figures.warmPages.push({ cache: gatewayLabel, gateway: g, plain: p, ratio: g.rps / p.rps });
    print(
      `| gateway, ${gatewayLabel} | ${g.rps.toFixed(0)} | ${g.p99} | ${(g.rps / p.rps).toFixed(2)} |`,
    );
    print(`| ${plainLabel} | ${p.rps.toFixed(0)} | ${p.p99} | |`);
  }

  // 100 identical cold requests at once, over two replicas sharing Redis.
  const coldWindow = `/call-logs?since=${iso(now - 3 * DAY)}&until=${iso(now - 2 * DAY)}&limit=200`;
  resetStats(sims);
  const single = await serveGateway(
    env({ REDIS_URL, CACHE_PREFIX: `${prefix}single:` }),
    sims.clock,
  );
  await fetch(`${single.url}${coldWindow}`);
  const alone = served(sims);
  const replicas = [
    await serveGateway(env({ REDIS_URL, CACHE_PREFIX: `${prefix}flight:` }), sims.clock),
    await serveGateway(env({ REDIS_URL, CACHE_PREFIX: `${prefix}flight:` }), sims.clock),
  ];
  resetStats(sims);
  const answers = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      fetch(`${replicas[i % 2].url}${coldWindow}`).then((response) => response.status),
    ),
  );
  const together = served(sims);
  const ok = answers.filter((status) => status === 200).length;
  figures.coldRequests = { together, alone, ok };
  print('');
  print(
    '| 100 identical cold requests at once, two replicas, one Redis | upstream requests | one request alone needs | 200 answers |',
  );
  print('|---|---|---|---|');
  print(`| one day, limit 200 | ${together} | ${alone} | ${ok} |`);

  const day = await wholeDay(UPSTREAM_LATENCY_MS);
  figures.wholeDay = day;
  const rate = (ms: number): string => (day.records / (ms / 1000)).toFixed(0);
  const [walked, fetchedAll] = [
    day.gateway.cinnox + day.gateway.kaleyra,
    day.fetchAll.cinnox + day.fetchAll.kaleyra,
  ];
  print('');
  print(
    `| a busy day, ${day.records} calls (${DENSE_CALLS_PER_DAY} a provider), walked at limit 500 | upstream requests (CINNOX + Kaleyra) | against fetching it all | ms | records/s |`,
  );
  print('|---|---|---|---|---|');
  print(
    `| gateway, cold, ${day.pages} pages | ${walked} (${day.gateway.cinnox} + ${day.gateway.kaleyra}) | ${ratio(walked, fetchedAll)} | ${day.gateway.ms.toFixed(0)} | ${rate(day.gateway.ms)} |`,
  );
  print(`| gateway, warm | 0 | | ${day.warmMs.toFixed(0)} | ${rate(day.warmMs)} |`);
  print(
    `| fetching the whole day at once, at the same page sizes | ${fetchedAll} (${day.fetchAll.cinnox} + ${day.fetchAll.kaleyra}) | 1.0x | ${day.fetchAll.ms.toFixed(0)} | ${rate(day.fetchAll.ms)} |`,
  );
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
  print('');
  print(
    `| the server's resident memory (its own process, CACHE_MAX_BYTES at its default) | MiB | against idle |`,
  );
  print('|---|---|---|');
  print(`| idle, after start | ${mib(day.memory.idleRss)} | 1.0x |`);
  print(
    `| peak, through the cold and warm walks and ${day.memory.callers} callers walking the day at once | ${mib(day.memory.peakRss)} | ${ratio(day.memory.peakRss, day.memory.idleRss)} |`,
  );

  const exports = [
    await exportDay(UPSTREAM_LATENCY_MS, 'ndjson'),
    await exportDay(UPSTREAM_LATENCY_MS, 'csv'),
    // As replicas run it: the slices in Redis, where their fills' locks and the calls an hour are.
    await exportDay(UPSTREAM_LATENCY_MS, 'ndjson', { REDIS_URL, CACHE_PREFIX: `${prefix}export:` }),
  ];
  figures.exports = exports;
  print('');
  print(
    `| the same day exported whole (GET /call-logs/export), a cold gateway of its own | records | MB sent | upstream requests | ms | records/s | against walking it cold | server memory, MiB: idle, peak |`,
  );
  print('|---|---|---|---|---|---|---|---|');
  for (const exported of exports) {
    const requests = exported.upstream.cinnox + exported.upstream.kaleyra;
    print(
      `| ${exported.format}${exported.store === 'redis' ? ', the slices in Redis' : ''} | ${exported.records} | ${(exported.bytes / 1e6).toFixed(1)} | ${requests} (${exported.upstream.cinnox} + ${exported.upstream.kaleyra}) | ${exported.ms.toFixed(0)} | ${(exported.records / (exported.ms / 1000)).toFixed(0)} | ${ratio(day.gateway.ms, exported.ms)} faster | ${mib(exported.idleRss)}, ${mib(exported.peakRss)} |`,
    );
  }
  if (process.env.BENCH_JSON === '1') print(JSON.stringify(figures));

  for (const app of [shared, single, ...replicas]) await app.app.close();
  await plainRedis.close();
  await deletePrefix(REDIS_URL, prefix);
  redis.disconnect();
  await plain.close();
  await warm.app.close();
  await sims.close();
}

/** What `BENCH_JSON=1` prints as one line after the tables. */
interface Figures {
  firstPages: FirstPage[];
  warmPages: { cache: string; gateway: Load; plain: Load; ratio: number }[];
  coldRequests: { together: number; alone: number; ok: number } | null;
  wholeDay: WholeDay | null;
  exports: DayExport[];
}

interface FirstPage {
  window: string;
  moment: string;
  gatewayRequests: number;
  /** The median run's requests, CINNOX then Kaleyra. */
  gatewayByProvider: [number, number];
  /** The first run, before the gateway has seen the window's calls an hour. */
  firstRunRequests: number;
  baselineRequests: number;
  limitRequests: number;
  gatewayMs: number;
  baselineMs: number;
}

interface Moment {
  label: string;
  at: number;
  windows: ReadonlyArray<readonly [string, number]>;
  dataset?: { days: number; callsPerDay: number };
}

const BOTH_WINDOWS = [
  ['24-hour window', DAY],
  ['14-day window', 14 * DAY],
] as const;

/**
 * A busy weekday morning in both providers' business hours and a quiet Sunday evening, on the
 * simulators' own data set; and the busy morning on the dense one.
 */
const MOMENTS: Moment[] = [
  {
    label: 'a Wednesday, 06:00 UTC',
    at: Date.parse('2026-11-18T06:00:00Z'),
    windows: BOTH_WINDOWS,
  },
  { label: 'a Sunday, 18:00 UTC', at: Date.parse('2026-11-22T18:00:00Z'), windows: BOTH_WINDOWS },
  {
    label: 'a Wednesday, 06:00 UTC, the dense data set',
    at: Date.parse('2026-11-18T06:00:00Z'),
    windows: [['24-hour window', DAY]],
    dataset: { days: 2, callsPerDay: DENSE_CALLS_PER_DAY },
  },
];

/**
 * The first page of each window ending at the moment, cold every time (`refresh=true`), against
 * fetching the whole window from both providers, merging and sorting. The first run meets a
 * gateway that has not seen the window's calls an hour; the runs after it, one that has.
 */
async function firstPages({ label: moment, at, windows, dataset }: Moment): Promise<FirstPage[]> {
  const sims = await startSimulators({ seed: 7, clock: new TestClock(at), dataset });
  const app = await serveGateway(benchEnv(sims, {}), sims.clock);
  sims.cinnox.setFaults({ latencyMs: UPSTREAM_LATENCY_MS });
  sims.kaleyra.setFaults({ latencyMs: UPSTREAM_LATENCY_MS });
  const registry = app.app.get(ProviderRegistry);
  const pages: FirstPage[] = [];
  for (const [label, span] of windows) {
    const window = { since: at - span, until: at };
    const url = `${app.url}/call-logs?since=${iso(window.since)}&until=${iso(window.until)}&limit=${PAGE}&refresh=true`;
    const gateway = {
      requests: [] as number[],
      ms: [] as number[],
      split: [] as Array<[number, number]>,
    };
    const baseline = { requests: [] as number[], ms: [] as number[] };
    let gatewayIds = '';
    let baselineIds = '';
    for (let i = 0; i < RUNS; i += 1) {
      resetStats(sims);
      let started = performance.now();
      const body = (await (await fetch(url)).json()) as { data: CallLog[] };
      gateway.ms.push(performance.now() - started);
      gateway.requests.push(served(sims));
      const { cinnox, kaleyra } = upstreamRequests(sims);
      gateway.split.push([cinnox, kaleyra]);
      gatewayIds = body.data.map((record) => record.id).join();

      resetStats(sims);
      started = performance.now();
      const all = await Promise.all(
        registry.providers.map((provider) =>
          provider.fetchSlice(
            { from: window.since, to: window.until },
            {},
            Deadline.after(120_000),
          ),
        ),
      );
      const page = all
        .flatMap((result) => result.records)
        .map((record) => ({ at: Date.parse(record.startedAt), record }))
        .sort(
          (a, b) =>
            b.at - a.at || (a.record.id < b.record.id ? 1 : a.record.id > b.record.id ? -1 : 0),
        )
        .slice(0, PAGE);
      baseline.ms.push(performance.now() - started);
      baseline.requests.push(served(sims));
      baselineIds = page.map((entry) => entry.record.id).join();
    }
    if (gatewayIds !== baselineIds)
      throw new Error(`${label}: the gateway's first page differs from the baseline's`);
    const [gr, br, gm, bm] = [
      median(gateway.requests),
      median(baseline.requests),
      median(gateway.ms),
      median(baseline.ms),
    ];
    pages.push({
      window: label,
      moment,
      gatewayRequests: gr,
      gatewayByProvider: gateway.split[gateway.requests.indexOf(gr)],
      firstRunRequests: gateway.requests[0],
      baselineRequests: br,
      // Nothing can cost less than one request to each provider.
      limitRequests: registry.providers.length,
      gatewayMs: gm,
      baselineMs: bm,
    });
  }
  await app.app.close();
  await sims.close();
  return pages;
}

/** Upstream requests both simulators served since the last reset. */
function served(sims: Simulators): number {
  const { cinnox, kaleyra } = upstreamRequests(sims);
  return cinnox + kaleyra;
}

/** The tests' gateway environment, logging errors: a benchmark that fails should say why. */
function benchEnv(sims: Simulators, extra: Environment): Environment {
  return gatewayEnv(sims, { LOG_LEVEL: 'error', ...extra });
}

interface Load {
  rps: number;
  p99: number;
}

/** autocannon in its own process, so the load does not compete with the server for the event loop. */
async function load(url: string, seconds = LOAD_SECONDS): Promise<Load> {
  const { stdout } = await run(
    process.execPath,
    [
      'node_modules/autocannon/autocannon.js',
      '-c',
      String(CONNECTIONS),
      '-d',
      String(seconds),
      '-j',
      url,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p99: number };
    non2xx: number;
  };
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} answers were not 2xx`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

await main();
