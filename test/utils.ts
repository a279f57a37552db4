import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { type AppOptions, createApp } from '../src/app/create-app.js';
import type { Environment } from '../src/config/read-variables.js';
import type { ProviderDescriptor } from '../src/upstreams/provider-descriptor.js';
import type { CallLog } from '../src/domain/call-log.js';
import type { Clock } from '../src/domain/clock.js';
import { PINNED_NOW, TestClock } from './test-clock.js';
import { mapCinnoxRecord } from '../src/cinnox/cinnox.mapper.js';
import { CinnoxSimulator } from '../src/cinnox/sandbox/cinnox.simulator.js';
import { mapKaleyraRecord } from '../src/kaleyra/kaleyra.mapper.js';
import type { DatasetOptions } from '../src/sandbox/call-volume.js';
import {
  KaleyraSimulator,
  type KaleyraPaging,
  type KaleyraSimulatorOptions,
} from '../src/kaleyra/sandbox/kaleyra.simulator.js';

export { countKeys, deletePrefix } from './redis-keys.js';

/**
 * The variables through which libfaketime moves this process's clock: a child process given them
 * runs on the same moved clock, so that a suite run at another hour stays one world.
 */
export function clockEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && (entry[0] === 'LD_PRELOAD' || entry[0].startsWith('FAKETIME')),
    ),
  );
}

export { PINNED_NOW, TestClock };

/**
 * The readings of Kaleyra's `page` and `offset` that its page allows (skip = offset; skip =
 * (page - 1) x limit; skip = offset + (page - 1) x limit): the suites that walk run under each.
 */
export const KALEYRA_READINGS = [
  'offset',
  'page',
  'offset+page',
] as const satisfies readonly KaleyraPaging[];

export interface Simulators {
  cinnox: CinnoxSimulator;
  kaleyra: KaleyraSimulator;
  /** The clock the simulators run on; give it to the gateways too. */
  clock: TestClock;
  close(): Promise<void>;
}

/** Both simulators on free loopback ports, with one seeded data set anchored at the clock's now. */
export async function startSimulators(
  options: {
    seed?: number;
    clock?: TestClock;
    dataset?: Pick<DatasetOptions, 'days' | 'callsPerDay'>;
    kaleyra?: Partial<KaleyraSimulatorOptions>;
  } = {},
): Promise<Simulators> {
  const clock = options.clock ?? new TestClock();
  const now = (): Date => new Date(clock.now());
  const common = { seed: options.seed, now, dataset: options.dataset };
  const [cinnox, kaleyra] = await Promise.all([
    CinnoxSimulator.start(common),
    KaleyraSimulator.start({ ...common, ...options.kaleyra }),
  ]);
  return {
    cinnox,
    kaleyra,
    clock,
    close: async () => {
      await Promise.all([cinnox.close(), kaleyra.close()]);
    },
  };
}

/** The environment that points a gateway at the simulators, as an operator would configure it. */
export function gatewayEnv(sims: Simulators, extra: Environment = {}): Environment {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal',
    // Replicas of a deployment share the key that signs cursors.
    CURSOR_SECRET: 'a-cursor-key-the-test-gateways-share',
    CINNOX_BASE_URL: sims.cinnox.baseUrl,
    CINNOX_APP_ID: CinnoxSimulator.credentials.appId,
    CINNOX_APP_TOKEN: CinnoxSimulator.credentials.appToken,
    KALEYRA_BASE_URL: sims.kaleyra.baseUrl,
    KALEYRA_SID: KaleyraSimulator.credentials.sid,
    KALEYRA_API_KEY: KaleyraSimulator.credentials.apiKey,
    ...extra,
  };
}

export interface Gateway {
  app: NestFastifyApplication;
  http: TestAgent;
  close(): Promise<void>;
}

/** The real gateway listening on a free port, for clients that speak real HTTP (fetch, autocannon). */
export async function serveGateway(
  env: Environment,
  clock: Clock = new TestClock(),
): Promise<{ app: NestFastifyApplication; url: string }> {
  const app = await createApp(env, { clock });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** The real gateway on the real Fastify server, driven through supertest. */
export async function startGateway(
  env: Environment,
  clock: Clock = new TestClock(),
  providers?: readonly ProviderDescriptor[],
  options: Omit<AppOptions, 'clock' | 'providers'> = {},
): Promise<Gateway> {
  const app = await createApp(env, { clock, providers, ...options });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, http: request(app.getHttpServer()), close: () => app.close() };
}

export interface PageBody {
  data: CallLog[];
  page: { limit: number; nextCursor: string | null; resumeCursor: string | null };
  meta: {
    providers: Array<{
      provider: string;
      status: string;
      mode: string;
      records: number;
      returned: number;
      rejected: number;
      upstreamRequests: number;
      slices: number;
      reason?: string;
      error?: { code: string; message: string };
      cache?: string;
      fetchedAt?: string | null;
      ageSeconds?: number;
    }>;
    window: { since: string; until: string };
  };
}

/** Follows `nextCursor` to the end; returns every record and how many pages it took. */
export async function walk(
  http: TestAgent,
  query: Record<string, string>,
  between?: (page: number) => void,
): Promise<{ records: CallLog[]; pages: number }> {
  const records: CallLog[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await http
      .get('/call-logs')
      .query(cursor === null ? query : { ...query, cursor });
    if (response.status !== 200)
      throw new Error(`page ${pages + 1}: ${response.status} ${JSON.stringify(response.body)}`);
    const body = response.body as PageBody;
    records.push(...body.data);
    cursor = body.page.nextCursor;
    pages += 1;
    between?.(pages);
  } while (cursor !== null);
  return { records, pages };
}

/**
 * The brute-force answer: every record the simulators would serve, normalized, in the window, kept
 * by `keep`, sorted newest first (or oldest first) with ties on id, written independently of the
 * gateway's slice walk.
 */
export function oracle(
  sims: Simulators,
  window: { since: number; until: number },
  keep: (record: CallLog) => boolean = () => true,
  order: 'asc' | 'desc' = 'desc',
): CallLog[] {
  const normalized = [
    ...sims.cinnox.records().map(mapCinnoxRecord),
    ...sims.kaleyra.visibleRecords().map(mapKaleyraRecord),
  ].flatMap((result) => (result.ok ? [result.record] : []));
  const sign = order === 'desc' ? -1 : 1;
  return normalized
    .filter((record) => {
      const at = Date.parse(record.startedAt);
      return at >= window.since && at < window.until && keep(record);
    })
    .sort(
      (a, b) =>
        sign *
        (Date.parse(a.startedAt) - Date.parse(b.startedAt) ||
          (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    );
}

export const ids = (records: readonly CallLog[]): string[] => records.map((record) => record.id);

export { DAY, HOUR } from '../src/domain/time.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of the test's own, so that nothing else in the shared Redis is touched. */
export function testPrefix(name: string): string {
  return `test:${name}:${Math.random().toString(36).slice(2, 10)}:`;
}

/** Upstream requests both simulators have served since their last reset. */
export function upstreamRequests(sims: Simulators): { cinnox: number; kaleyra: number } {
  return { cinnox: sims.cinnox.stats().requests, kaleyra: sims.kaleyra.stats().requests };
}

export function resetFaults(sims: Simulators): void {
  sims.cinnox.resetFaults();
  sims.kaleyra.resetFaults();
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Polls `condition` until it holds, at most `boundMs`, for a change that has no event to await;
 * returns how long it took.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  boundMs: number,
  everyMs = 20,
): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > boundMs) throw new Error(`not within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return performance.now() - started;
}

export function resetStats(sims: Simulators): void {
  sims.cinnox.resetStats();
  sims.kaleyra.resetStats();
}
