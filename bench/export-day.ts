import type { Environment } from '../src/config/read-variables.js';
import { DAY } from '../src/domain/time.js';
import { iso, resetStats, upstreamRequests } from '../test/utils.js';
import { denseDay } from './whole-day.js';

/** One export of the busy day: how fast it came, what it asked, and the server's memory. */
export interface DayExport {
  format: 'ndjson' | 'csv';
  /** Where the gateway kept its slices: in its own process, or in Redis. */
  store: 'process' | 'redis';
  records: number;
  bytes: number;
  ms: number;
  upstream: { cinnox: number; kaleyra: number };
  /** The server's resident memory before the export and at its peak through it, in bytes. */
  idleRss: number;
  peakRss: number;
}

/**
 * The busy day of the dense data set (the one `wholeDay` walks) exported whole through
 * `GET /call-logs/export`, by a cold gateway running as a process of its own, read by a client as
 * fast as it comes.
 */
export async function exportDay(
  latencyMs: number,
  format: DayExport['format'],
  extraEnv: Environment = {},
): Promise<DayExport> {
  const { at, sims, server } = await denseDay(extraEnv);
  try {
    sims.cinnox.setFaults({ latencyMs });
    sims.kaleyra.setFaults({ latencyMs });
    const idleRss = server.memory().rss;
    resetStats(sims);
    const started = performance.now();
    const query = new URLSearchParams({ since: iso(at - DAY), until: iso(at), format });
    const response = await fetch(`${server.url}/call-logs/export?${query.toString()}`);
    if (response.status !== 200 || response.body === null)
      throw new Error(`the export answered ${response.status}`);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 10) lines += 1;
    }
    const ms = performance.now() - started;
    // NDJSON ends with its meta line; CSV starts with its header row.
    return {
      format,
      store: extraEnv.REDIS_URL === undefined ? 'process' : 'redis',
      records: lines - 1,
      bytes,
      ms,
      upstream: upstreamRequests(sims),
      idleRss,
      peakRss: server.memory().peakRss,
    };
  } finally {
    await server.stop();
    await sims.close();
  }
}
