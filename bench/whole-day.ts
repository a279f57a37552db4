import type { CallLog } from '../src/domain/call-log.js';
import { Deadline } from '../src/domain/deadline.js';
import { DAY } from '../src/domain/time.js';
import { ProviderRegistry } from '../src/upstreams/provider-registry.js';
import type { Environment } from '../src/config/read-variables.js';
import {
  gatewayEnv,
  iso,
  resetStats,
  serveGateway,
  upstreamRequests,
  type Simulators,
} from '../test/utils.js';
import { DENSE_DAY_END, denseSimulators } from '../test/dense-day.js';
import { GatewayProcess } from './server-process.js';

const WALK_LIMIT = 500;
/** Callers walking the day at once, warm, after the two walks. */
const CALLERS = 50;

/**
 * The dense data set's busy day, up to a Wednesday 18:00 UTC, and a cold gateway of its own
 * (configured further by `extraEnv`).
 */
export async function denseDay(extraEnv: Environment = {}): Promise<{
  at: number;
  sims: Simulators;
  env: Environment;
  server: GatewayProcess;
}> {
  const at = DENSE_DAY_END;
  const sims = await denseSimulators();
  const env = gatewayEnv(sims, { LOG_LEVEL: 'error', ...extraEnv });
  const server = await GatewayProcess.start({ ...env, BENCH_NOW: iso(sims.clock.now()) });
  return { at, sims, env, server };
}

/** What walking one whole busy day costs, cold and warm, against fetching it all at once. */
export interface WholeDay {
  records: number;
  pages: number;
  gateway: { cinnox: number; kaleyra: number; ms: number };
  warmMs: number;
  /** The server's resident memory idle, and at its peak through the walks and the callers. */
  memory: { idleRss: number; peakRss: number; callers: number };
  /** Every slice of the day fetched at once at the gateway's page sizes: the fewest requests. */
  fetchAll: { cinnox: number; kaleyra: number; ms: number };
}

/**
 * The 24 hours before a Wednesday 18:00 UTC on the dense data set, walked page by page at limit
 * 500 through a cold gateway running as a process of its own, then again warm, then by 50 callers
 * at once, with the server's resident memory before and at its peak; and the same day fetched
 * whole by the providers' own clients, as a hand-written integration at the largest pages would.
 */
export async function wholeDay(latencyMs: number): Promise<WholeDay> {
  const { at, sims, env, server } = await denseDay();
  // The providers' own clients, for the fetch of the whole day at once.
  const clients = await serveGateway(env, sims.clock);
  try {
    sims.cinnox.setFaults({ latencyMs });
    sims.kaleyra.setFaults({ latencyMs });
    const query = `since=${iso(at - DAY)}&until=${iso(at)}&limit=${WALK_LIMIT}`;
    const walkOnce = async (): Promise<{ ids: string[]; pages: number; ms: number }> => {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      const started = performance.now();
      do {
        const url = `${server.url}/call-logs?${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
        const response = await fetch(url);
        if (response.status !== 200) throw new Error(`page ${pages + 1}: ${response.status}`);
        const body = (await response.json()) as {
          data: CallLog[];
          page: { nextCursor: string | null };
        };
        ids.push(...body.data.map((record) => record.id));
        cursor = body.page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      return { ids, pages, ms: performance.now() - started };
    };

    const idleRss = server.memory().rss;
    resetStats(sims);
    const cold = await walkOnce();
    const coldRequests = upstreamRequests(sims);
    const warm = await walkOnce();
    const callers = await Promise.all(Array.from({ length: CALLERS }, () => walkOnce()));
    if (callers.some((walked) => walked.ids.join() !== cold.ids.join()))
      throw new Error('a concurrent walk gave other records than the first walk');
    const { peakRss } = server.memory();

    resetStats(sims);
    const started = performance.now();
    const all = await Promise.all(
      clients.app
        .get(ProviderRegistry)
        .providers.map((provider) =>
          provider.fetchSlice({ from: at - DAY, to: at }, {}, Deadline.after(120_000)),
        ),
    );
    const fetchAllMs = performance.now() - started;
    // The providers are asked for a second more on each side; the day is what lies within it.
    const fetched = all
      .flatMap((result) => result.records)
      .filter((record) => {
        const started = Date.parse(record.startedAt);
        return started >= at - DAY && started < at;
      });
    if (new Set(cold.ids).size !== cold.ids.length || cold.ids.length !== fetched.length)
      throw new Error(`the walk gave ${cold.ids.length} records, the day holds ${fetched.length}`);
    return {
      records: cold.ids.length,
      pages: cold.pages,
      gateway: { ...coldRequests, ms: cold.ms },
      warmMs: warm.ms,
      memory: { idleRss, peakRss, callers: CALLERS },
      fetchAll: { ...upstreamRequests(sims), ms: fetchAllMs },
    };
  } finally {
    await Promise.all([server.stop(), clients.app.close()]);
    await sims.close();
  }
}
