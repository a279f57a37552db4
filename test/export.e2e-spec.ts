import { createHash } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CallLog } from '../src/domain/call-log.js';
import { CallLogExport } from '../src/call-logs/call-log-export.js';
import { DecodedSlices } from '../src/cache/decoded-slices.js';
import { CallLogExportQueryDto } from '../src/call-logs/call-log-export-query.dto.js';
import { CSV_COLUMNS } from '../src/call-logs/export-formats.js';
import {
  DAY,
  HOUR,
  KALEYRA_READINGS,
  gatewayEnv,
  ids,
  iso,
  oracle,
  resetFaults,
  resetStats,
  serveGateway,
  startSimulators,
  walk,
  type Simulators,
} from './utils.js';
import request from 'supertest';

interface ExportMeta {
  providers: Array<{ provider: string; status: string; records: number; error?: { code: string } }>;
  window: { since: string; until: string };
  complete: boolean;
  resumeCursor: string | null;
  records: number;
}

/** An export as its client reads it: the records, the meta line, and whether the transfer ended. */
interface Exported {
  status: number;
  contentType: string;
  text: string;
  /** The response ended as HTTP says it should (false: the transfer was cut off). */
  ended: boolean;
}

/**
 * Reads an export over real HTTP, line by line; `onLines` is told how many lines have come, so a
 * test can break a provider while the export is under way.
 */
function fetchExport(
  url: string,
  headers: Record<string, string> = {},
  onLines?: (lines: number) => void,
): Promise<Exported> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (response) => {
      let text = '';
      let ended = false;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        onLines?.(text.split('\n').length - 1);
      });
      response.on('end', () => {
        ended = response.complete;
      });
      response.on('close', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type']),
          text,
          ended: ended && response.complete,
        }),
      );
    }).on('error', reject);
  });
}

function ndjson(text: string): { records: CallLog[]; meta: ExportMeta | undefined } {
  const lines = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as CallLog | { meta: ExportMeta });
  const last = lines.at(-1);
  const meta = last !== undefined && 'meta' in last ? last.meta : undefined;
  return { records: (meta === undefined ? lines : lines.slice(0, -1)) as CallLog[], meta };
}

describe.each(KALEYRA_READINGS)('GET /call-logs/export (Kaleyra paging by %s)', (paging) => {
  let sims: Simulators;
  let app: NestFastifyApplication;
  let url: string;
  let window: { since: string; until: string };

  beforeAll(async () => {
    // Calls enough that even a weekend's windows hold several pages.
    sims = await startSimulators({
      seed: 41,
      kaleyra: { paging },
      dataset: { callsPerDay: 1_000 },
    });
    ({ app, url } = await serveGateway(gatewayEnv(sims), sims.clock));
    const now = sims.clock.now();
    window = { since: iso(now - 3 * DAY - 5 * HOUR), until: iso(now - 2 * HOUR) };
  });

  afterEach(() => resetFaults(sims));

  afterAll(async () => {
    await app.close();
    await sims.close();
  });

  const exportUrl = (query: Record<string, string>): string =>
    `${url}/call-logs/export?${new URLSearchParams(query).toString()}`;

  it('streams a multi-day window as NDJSON: exactly the records of a full walk, in its order', async () => {
    const walked = await walk(request(app.getHttpServer()), { ...window, limit: '500' });
    const exported = await fetchExport(exportUrl(window));
    expect(exported.status).toBe(200);
    expect(exported.contentType).toBe('application/x-ndjson; charset=utf-8');
    expect(exported.ended).toBe(true);
    const { records, meta } = ndjson(exported.text);
    expect(walked.records.length).toBeGreaterThan(1_000);
    expect(records).toEqual(walked.records);
    expect(meta).toMatchObject({ complete: true, resumeCursor: null, records: records.length });
    expect(meta?.providers.map((provider) => [provider.provider, provider.status])).toEqual([
      ['cinnox', 'ok'],
      ['kaleyra', 'ok'],
    ]);
    expect(meta?.providers.reduce((sum, provider) => sum + provider.records, 0)).toBe(
      records.length,
    );
  });

  it('streams the same window as CSV: a header row, then a row a record of the same walk', async () => {
    const query = { ...window, sort: 'startedAt', status: 'completed,no_answer' };
    const walked = await walk(request(app.getHttpServer()), { ...query, limit: '500' });
    const exported = await fetchExport(exportUrl(query), { accept: 'text/csv' });
    expect(exported.contentType).toBe('text/csv; charset=utf-8');
    expect(exported.ended).toBe(true);
    expect(exported.text.startsWith(`${CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    const rows = parse<Record<string, string>>(exported.text, { columns: true });
    expect(rows.map((row) => row.id)).toEqual(ids(walked.records));
    const cell = (value: string | number | boolean | null | undefined): string =>
      value === null || value === undefined ? '' : String(value);
    walked.records.forEach((record, i) => {
      expect(rows[i]).toMatchObject({
        status: record.status,
        startedAt: record.startedAt,
        durationSeconds: cell(record.durationSeconds),
        'caller.number': cell(record.caller.number),
        'callee.name': cell(record.callee.name),
        'caller.isStaff': cell(record.caller.isStaff),
        'cost.amount': cell(record.cost?.amount),
      });
    });
  });

  it('adds the untouched upstream records with includeRaw=true, in both formats', async () => {
    const query = { ...window, includeRaw: 'true' };
    const walked = await walk(request(app.getHttpServer()), { ...query, limit: '500' });
    expect(walked.records.every((record) => typeof record.raw === 'object')).toBe(true);
    expect(ndjson((await fetchExport(exportUrl(query))).text).records).toEqual(walked.records);
    const csv = await fetchExport(exportUrl(query), { accept: 'text/csv' });
    const rows = parse<Record<string, string>>(csv.text, { columns: true });
    expect(rows.map((row) => JSON.parse(row.raw) as unknown)).toEqual(
      walked.records.map((record) => record.raw),
    );
  });

  it('writes a few records at a time: no string of the stream reaches V8’s large-object size (128 KiB), raw records included', async () => {
    const dto = Object.assign(new CallLogExportQueryDto(), { ...window, includeRaw: true });
    for (const format of ['ndjson', 'csv'] as const) {
      let largest = 0;
      let records = 0;
      for await (const chunk of app.get(CallLogExport).open(dto, format) as AsyncIterable<Buffer>) {
        largest = Math.max(largest, chunk.length);
        records += chunk.toString('utf8').split('\n').length - 1;
      }
      // Pages of 500: one string a page would be several times larger.
      expect(records).toBeGreaterThan(1_000);
      expect(largest).toBeGreaterThan(0);
      expect(largest).toBeLessThan(128 * 1024);
    }
  });

  it('takes a resume cursor of /call-logs: the export goes on from that page', async () => {
    const first = await request(app.getHttpServer())
      .get('/call-logs')
      .query({ ...window, limit: '100' });
    const cursor = (first.body as { page: { nextCursor: string } }).page.nextCursor;
    const walked = await walk(request(app.getHttpServer()), { ...window, limit: '500' });
    const exported = ndjson(
      (await fetchExport(exportUrl({ ...window, resumeCursor: cursor }))).text,
    );
    expect(exported.records).toEqual(walked.records.slice(100));
  });
});

/**
 * A provider that breaks while an export is under way: its requests fail after the first few, on a
 * data set dense enough that the export has written several pages by then, whatever the order its
 * pages and read-ahead ask in.
 */
describe.each(KALEYRA_READINGS)('an export meeting a failure (Kaleyra paging by %s)', (paging) => {
  let sims: Simulators;
  let window: { since: string; until: string };
  let gateway: { app: NestFastifyApplication; url: string } | undefined;

  beforeAll(async () => {
    sims = await startSimulators({
      seed: 47,
      kaleyra: { paging },
      dataset: { days: 3, callsPerDay: 4_000 },
    });
    const now = sims.clock.now();
    window = { since: iso(now - 2 * DAY), until: iso(now - HOUR) };
  });

  afterEach(async () => {
    resetFaults(sims);
    await gateway?.app.close();
  });

  afterAll(async () => {
    await sims.close();
  });

  /** A gateway of the test's own: nothing of the window is cached yet. */
  async function coldGateway(): Promise<{ app: NestFastifyApplication; url: string }> {
    gateway = await serveGateway(gatewayEnv(sims), sims.clock);
    return gateway;
  }

  const exportUrl = (url: string, query: Record<string, string>): string =>
    `${url}/call-logs/export?${new URLSearchParams(query).toString()}`;

  it('ends with complete false and a cursor that brings exactly the rest (NDJSON)', async () => {
    const { app, url } = await coldGateway();
    sims.kaleyra.setFaults({ revokeCredentials: true, after: 10 });
    const cut = await fetchExport(exportUrl(url, window));
    expect(cut.ended).toBe(true);
    const first = ndjson(cut.text);
    expect(first.meta?.complete).toBe(false);
    expect(first.meta?.providers.find((p) => p.provider === 'kaleyra')?.error?.code).toBe(
      'upstream_auth',
    );
    resetFaults(sims);
    const walked = await walk(request(app.getHttpServer()), { ...window, limit: '500' });
    expect(first.records.length).toBeGreaterThanOrEqual(500);
    expect(first.records.length).toBeLessThan(walked.records.length);
    // What was written is every record up to where the export ended, in order.
    expect(first.records).toEqual(walked.records.slice(0, first.records.length));

    const rest = await fetchExport(
      exportUrl(url, { ...window, resumeCursor: String(first.meta?.resumeCursor) }),
    );
    const second = ndjson(rest.text);
    expect(second.meta).toMatchObject({ complete: true, resumeCursor: null });
    expect([...first.records, ...second.records]).toEqual(walked.records);
  });

  it('cuts a CSV transfer off: the file never looks complete', async () => {
    const { url } = await coldGateway();
    sims.kaleyra.setFaults({ revokeCredentials: true, after: 10 });
    const cut = await fetchExport(exportUrl(url, { ...window, format: 'csv' }));
    expect(cut.status).toBe(200);
    expect(cut.ended).toBe(false);
    expect(cut.text.split('\r\n').length).toBeGreaterThan(500);
  });

  it('lets go of the slices it kept decoded for itself once it ends, complete or cut short', async () => {
    const { app, url } = await coldGateway();
    const slices = app.get(DecodedSlices);
    let heldWhileStreaming = 0;
    const watch = (): void => {
      heldWhileStreaming = Math.max(heldWhileStreaming, slices.wholeWindowSets);
    };
    // The window's busiest 12 hours: several pages, wherever the tests' clock stands.
    const calls = oracle(sims, {
      since: Date.parse(window.since),
      until: Date.parse(window.until),
    });
    const ends = Array.from(
      { length: 36 },
      (_, i) => Math.floor(Date.parse(window.until) / HOUR) * HOUR - i * HOUR,
    );
    const within = (end: number): number =>
      calls.filter((call) => {
        const at = Date.parse(call.startedAt);
        return at >= end - 12 * HOUR && at < end;
      }).length;
    const end = ends.reduce((best, candidate) =>
      within(candidate) > within(best) ? candidate : best,
    );
    const hours = { since: iso(end - 12 * HOUR), until: iso(end) };
    const whole = ndjson((await fetchExport(exportUrl(url, hours), {}, watch)).text);
    expect(whole.meta?.complete).toBe(true);
    // More than a page: the export goes on past what it decoded first.
    expect(whole.records.length).toBeGreaterThan(500);
    expect(heldWhileStreaming).toBe(1);
    expect(slices.wholeWindowSets).toBe(0);

    sims.kaleyra.setFaults({ revokeCredentials: true, after: 10 });
    const cut = await fetchExport(exportUrl(url, { ...window, format: 'csv' }));
    expect(cut.ended).toBe(false);
    expect(slices.wholeWindowSets).toBe(0);
  });
});

describe('GET /call-logs/export: what it refuses', () => {
  let sims: Simulators;
  let app: NestFastifyApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    sims = await startSimulators({ seed: 43 });
    ({ app } = await serveGateway(gatewayEnv(sims, { MAX_EXPORT_DAYS: '7' }), sims.clock));
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app.close();
    await sims.close();
  });

  it.each([
    [{ format: 'xml' }, 'format'],
    [{ limit: '10' }, 'limit'],
    [{ cursor: 'abc' }, 'cursor'],
    [{ resumeCursor: 'abc.def' }, 'resumeCursor'],
    [{ since: '2026-11-01T00:00:00Z', until: '2026-11-20T00:00:00Z' }, 'since'],
  ])('answers %j with a 400 naming %s, before anything is streamed', async (query, parameter) => {
    const answer = await http.get('/call-logs/export').query(query);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((answer.body as { errors: Array<{ parameter: string }> }).errors).toContainEqual(
      expect.objectContaining({ parameter }),
    );
  });

  it('lets the format parameter win over Accept', async () => {
    const now = sims.clock.now();
    const answer = await http
      .get('/call-logs/export')
      .query({ since: iso(now - 2 * HOUR), until: iso(now - HOUR), format: 'ndjson' })
      .set('accept', 'text/csv');
    expect(answer.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
  });
});

describe('GET /call-logs/export: a caller’s limits', () => {
  const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');
  const KEYS = { metered: 'export-metered-5c1a', single: 'export-single-77e2' };
  let sims: Simulators;
  let app: NestFastifyApplication;
  let url: string;
  let window: { since: string; until: string };

  beforeAll(async () => {
    sims = await startSimulators({ seed: 53 });
    ({ app, url } = await serveGateway(
      gatewayEnv(sims, {
        AUTH_MODE: 'api-key',
        // No Redis: one replica holds the whole of each caller's limit.
        RATE_LIMIT_REPLICAS: '1',
        API_KEYS: JSON.stringify([
          { name: 'metered', sha256: sha256(KEYS.metered), ratePerMinute: 1_000 },
          { name: 'single', sha256: sha256(KEYS.single), maxConcurrent: 1 },
        ]),
      }),
      sims.clock,
    ));
    const now = sims.clock.now();
    window = { since: iso(now - 4 * DAY), until: iso(now - HOUR) };
  });

  afterEach(() => resetFaults(sims));

  afterAll(async () => {
    await app.close();
    await sims.close();
  });

  const remaining = (headers: Record<string, string>): number =>
    Number(/r=(\d+)/.exec(headers.ratelimit)?.[1]);

  it('charges a unit a page of records it streamed, once the stream is over', async () => {
    const http = request(app.getHttpServer());
    const before = remaining((await http.get('/call-logs').set('x-api-key', KEYS.metered)).headers);
    const exported = await fetchExport(
      `${url}/call-logs/export?${new URLSearchParams(window).toString()}`,
      { 'x-api-key': KEYS.metered },
    );
    const { records } = ndjson(exported.text);
    expect(records.length).toBeGreaterThan(1_000);
    const after = remaining((await http.get('/call-logs').set('x-api-key', KEYS.metered)).headers);
    // The export's pages of 500, and the unit of the request that read the header.
    expect(before - after).toBe(Math.ceil(records.length / 500) + 1);
  });

  it('holds one of the caller’s places in flight until its stream is over', async () => {
    // The export waits on a slow Kaleyra while the same caller asks for a page.
    const now = sims.clock.now();
    const unread = { since: iso(now - 6 * DAY), until: iso(now - 4 * DAY) };
    resetStats(sims);
    sims.kaleyra.setFaults({ latencyMs: 300 });
    const exporting = fetchExport(
      `${url}/call-logs/export?${new URLSearchParams(unread).toString()}`,
      { 'x-api-key': KEYS.single },
    );
    await sims.kaleyra.arrived(1);
    const meanwhile = await request(app.getHttpServer())
      .get('/call-logs')
      .query({ since: iso(now - 2 * HOUR), until: iso(now - HOUR) })
      .set('x-api-key', KEYS.single);
    expect(meanwhile.status).toBe(429);
    expect(ndjson((await exporting).text).meta?.complete).toBe(true);
    resetFaults(sims);
    const afterwards = await request(app.getHttpServer())
      .get('/call-logs')
      .set('x-api-key', KEYS.single);
    expect(afterwards.status).toBe(200);
  });
});
