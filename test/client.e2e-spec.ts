import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  CallLogsError,
  IncompleteWalkError,
  createCallLogsClient,
  type CallLog,
} from '../client/src/index.js';
import {
  DAY,
  gatewayEnv,
  iso,
  resetFaults,
  resetStats,
  serveGateway,
  startSimulators,
  type Simulators,
} from './utils.js';

const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');
const KEYS = { reader: 'client-reader-4b2e', single: 'client-single-9d10' };

/** The typed client (client/) against a live gateway over real HTTP. */
describe('the typed client', () => {
  let sims: Simulators;
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    // Calls enough that even a weekend's windows hold several pages.
    sims = await startSimulators({ seed: 61, dataset: { callsPerDay: 1_000 } });
    ({ app, url } = await serveGateway(
      gatewayEnv(sims, {
        AUTH_MODE: 'api-key',
        RATE_LIMIT_REPLICAS: '1',
        API_KEYS: JSON.stringify([
          { name: 'reader', sha256: sha256(KEYS.reader) },
          { name: 'single', sha256: sha256(KEYS.single), maxConcurrent: 1 },
        ]),
      }),
      sims.clock,
    ));
  });

  afterEach(() => resetFaults(sims));

  afterAll(async () => {
    await app.close();
    await sims.close();
  });

  /**
   * A window from `from` to `to` days back (within Kaleyra's seven), of its own for each test, so
   * that none meets what another cached.
   */
  const windowOf = (from: number, to: number): { since: string; until: string } => {
    const now = sims.clock.now();
    return { since: iso(now - from * DAY), until: iso(now - to * DAY) };
  };

  /** The same walk by hand: page after page with the cursor, as a caller writes it. */
  async function byHand(
    query: Record<string, string>,
  ): Promise<{ records: CallLog[]; pages: number }> {
    const records: CallLog[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const params = new URLSearchParams(cursor === null ? query : { ...query, cursor });
      const response = await fetch(`${url}/call-logs?${params.toString()}`, {
        headers: { 'x-api-key': KEYS.reader },
      });
      const page = (await response.json()) as {
        data: CallLog[];
        page: { nextCursor: string | null };
      };
      records.push(...page.data);
      cursor = page.page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    return { records, pages };
  }

  const collect = async (records: AsyncIterable<CallLog>): Promise<CallLog[]> => {
    const all: CallLog[] = [];
    for await (const record of records) all.push(record);
    return all;
  };

  it('walks every page of a window: the records of a walk by hand, in order', async () => {
    const window = windowOf(2, 0.1);
    const client = createCallLogsClient({ baseUrl: url, apiKey: KEYS.reader });
    let pages = 0;
    const records = await collect(client.walk({ ...window, limit: 200 }, () => (pages += 1)));
    const walked = await byHand({ ...window, limit: '200' });
    expect(records.length).toBeGreaterThan(400);
    expect(records).toEqual(walked.records);
    expect(pages).toBe(walked.pages);
  });

  it('asks again after a 429’s Retry-After, then goes on', async () => {
    const window = windowOf(3, 2);
    // The caller's one place in flight is taken by an export whose Kaleyra requests are slow.
    resetStats(sims);
    sims.kaleyra.setFaults({ latencyMs: 400 });
    const holder = createCallLogsClient({ baseUrl: url, apiKey: KEYS.single });
    const exported = holder
      .export(windowOf(6.5, 4), 'ndjson')
      .then((stream) => stream.pipeTo(new WritableStream()));
    await sims.kaleyra.arrived(1);
    const waits: number[] = [];
    const client = createCallLogsClient({
      baseUrl: url,
      apiKey: KEYS.single,
      // The wait ends when the export does, whatever Retry-After says.
      sleep: async (ms) => {
        waits.push(ms);
        await exported;
        resetFaults(sims);
      },
    });
    const records = await collect(client.walk({ ...window, limit: 500 }));
    expect(waits).toEqual([1_000]);
    const direct = createCallLogsClient({ baseUrl: url, apiKey: KEYS.reader });
    expect(records).toEqual(await collect(direct.walk({ ...window, limit: 500 })));
  });

  it('gives what the providers that answered have, then says which failed and how to resume', async () => {
    const window = windowOf(4, 3);
    sims.kaleyra.setFaults({ revokeCredentials: true });
    const client = createCallLogsClient({ baseUrl: url, apiKey: KEYS.reader });
    const records: CallLog[] = [];
    let failure: unknown;
    try {
      for await (const record of client.walk({ ...window, limit: 500 })) records.push(record);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(IncompleteWalkError);
    const incomplete = failure as IncompleteWalkError;
    expect(incomplete.providers.find((p) => p.provider === 'kaleyra')?.error?.code).toBe(
      'upstream_auth',
    );
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((record) => record.provider === 'cinnox')).toBe(true);
    resetFaults(sims);
    const rest = await client.page({ ...window, limit: 500, cursor: incomplete.resumeCursor });
    expect(rest.data.every((record) => record.provider === 'kaleyra')).toBe(true);
    expect(rest.data.length).toBeGreaterThan(0);
  });

  it('streams an export: its NDJSON lines are the walk’s records, then the meta', async () => {
    const window = windowOf(2, 0.1);
    const client = createCallLogsClient({ baseUrl: url, apiKey: KEYS.reader });
    const text = await new Response(await client.export(window, 'ndjson')).text();
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as CallLog | { meta: { complete: boolean } });
    expect(lines.at(-1)).toMatchObject({ meta: { complete: true } });
    expect(lines.slice(0, -1)).toEqual(await collect(client.walk({ ...window, limit: 500 })));
  });

  it('throws the gateway’s problem for a bad query', async () => {
    const client = createCallLogsClient({ baseUrl: url, apiKey: KEYS.reader });
    const refused = await client.page({ limit: 0 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CallLogsError);
    expect(refused).toMatchObject({ status: 400, problem: { errors: [{ parameter: 'limit' }] } });
    const exported = await client
      .export({ since: iso(sims.clock.now() - 40 * DAY) }, 'csv')
      .catch((error: unknown) => error);
    expect(exported).toMatchObject({ status: 400 });
  });
});
