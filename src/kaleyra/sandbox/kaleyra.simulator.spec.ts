import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { parseInstant } from '../../domain/time.js';
import { KaleyraSimulator, type KaleyraPaging } from './kaleyra.simulator.js';
import {
  type KaleyraBody,
  type KaleyraCallRecord,
  KaleyraCode,
  kaleyraRetentionFloor,
} from '../kaleyra.types.js';

interface Answer {
  status: number;
  headers: Headers;
  body: KaleyraBody;
}
interface Options {
  method?: 'POST' | 'GET';
  limit?: number;
  sid?: string;
  apiKey?: string | null;
}

const start = new Date('2026-11-20T12:00:00Z');
let clock = start;
let sim: KaleyraSimulator;

beforeAll(async () => {
  sim = await KaleyraSimulator.start({ now: () => clock });
});
afterAll(() => sim.close());
beforeEach(() => {
  clock = start;
  sim.resetFaults();
  sim.resetStats();
  sim.setPaging({ paging: 'offset+page', maxPageSize: 1000, totalSkew: 0, bare: false });
});

async function callLogs(
  fields: Record<string, string> = {},
  { method = 'POST', limit, sid = 'SANDBOXSID', apiKey = 'sandbox-api-key' }: Options = {},
): Promise<Answer> {
  const form = new URLSearchParams(fields);
  const url = `${sim.baseUrl}/v1/${sid}/voice/call-logs`;
  const res = await fetch(method === 'GET' ? `${url}?${form.toString()}` : url, {
    method,
    headers: {
      ...(apiKey !== null && { 'api-key': apiKey }),
      ...(limit !== undefined && { limit: String(limit) }),
    },
    ...(method === 'POST' && { body: form }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as KaleyraBody };
}

/** Every record of a query, by `page` or by `offset`. */
async function walk(
  fields: Record<string, string>,
  limit: number,
  by: 'page' | 'offset',
): Promise<KaleyraCallRecord[]> {
  const all: KaleyraCallRecord[] = [];
  for (let page = 1; ; page++) {
    const at: Record<string, string> =
      by === 'page' ? { page: String(page) } : { offset: String((page - 1) * limit) };
    const { body } = await callLogs({ ...fields, ...at }, { limit });
    all.push(...body.data);
    if (all.length >= (body.total ?? 0) || body.data.length === 0) return all;
  }
}

const idOf = (r: KaleyraCallRecord): string | undefined => r.id ?? r.call_id;
const startOf = (r: KaleyraCallRecord): number =>
  parseInstant(r.start_time, { requireOffset: false }) ?? NaN;
const floor = (): number => kaleyraRetentionFloor(clock).getTime();

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

function refusal(code: string, message: string): KaleyraBody {
  return { code, message, data: [], error: { error: message } };
}

describe('KaleyraSimulator auth', () => {
  it.each<[string, Options]>([
    ['a wrong SID', { sid: 'OTHERSID' }],
    ['a wrong API key', { apiKey: 'nope' }],
    ['no API key', { apiKey: null }],
  ])('answers %s with HTTP 401 and RBC001', async (_, options) => {
    const { status, body } = await callLogs({}, options);
    expect(status).toBe(401);
    expect(body).toEqual(refusal(KaleyraCode.badCredentials, 'Incorrect SID or API key.'));
  });
});

describe('KaleyraSimulator filters and paging', () => {
  it('serves the retention window, 25 at a time, by default', async () => {
    const { status, body } = await callLogs();
    expect(status).toBe(200);
    expect({ ...body, data: body.data.length }).toEqual({
      status: 200,
      code: KaleyraCode.success,
      message: 'Request successfully executed!',
      data: 25,
      error: {},
      total: sim.visibleRecords().length,
      offset: 0,
      limit: 25,
      page: 1,
    });
    expect(sim.visibleRecords().length).toBeGreaterThan(1000);
    expect(sim.visibleRecords().length).toBeLessThan(sim.records().length);
  });

  it('takes the page size from the limit header', async () => {
    const { body } = await callLogs({}, { limit: 100 });
    expect(body.data).toHaveLength(100);
    expect(body.limit).toBe(100);
  });

  it('filters on a comma-separated list of statuses', async () => {
    const wanted = ['BUSY', 'NOANSWER', 'NEW_STATUS_X'];
    const found = await walk({ status: wanted.join(',') }, 200, 'page');
    const expected = sim.visibleRecords().filter((r) => wanted.includes(String(r.status)));
    expect(found.map(idOf).sort()).toEqual(expected.map(idOf).sort());
    expect(new Set(found.map((r) => r.status))).toEqual(new Set(wanted));
  });

  it('filters on a comma-separated list of call ids, under either name', async () => {
    const visible = sim.visibleRecords();
    const ids = [
      defined(visible.find((r) => r.id !== undefined)?.id),
      defined(visible.find((r) => r.call_id !== undefined)?.call_id),
    ];
    const { body } = await callLogs({ call_id: ids.join(' , ') });
    expect(body.total).toBe(2);
    expect(body.data.map(idOf).sort()).toEqual(ids.sort());
  });

  it('filters on the bridge by its digits, with or without +', async () => {
    const one = await callLogs({ bridge: '+13236000007' }, { limit: 1000 });
    const other = await callLogs({ bridge: '13236000007' }, { limit: 1000 });
    expect(one.body.total).toBeGreaterThan(10);
    expect(other.body).toEqual(one.body);
    expect(one.body.data.every((r) => String(r.bridge).replace('+', '') === '13236000007')).toBe(
      true,
    );
  });

  it('includes both ends of the window, comparing instants across offsets', async () => {
    const visible = sim.visibleRecords();
    const zoned = defined(visible.find((r) => r.start_time?.endsWith('+05:30')));
    const bare = defined(visible.find((r) => /T\d\d:\d\d:\d\d$/.test(r.start_time ?? '')));
    for (const [target, at] of [
      [zoned, defined(zoned.start_time)],
      [zoned, new Date(startOf(zoned)).toISOString()],
      [bare, new Date(startOf(bare)).toISOString()],
    ] as const) {
      const { body } = await callLogs({ start_time: at, end_time: at });
      expect(body.data.map(idOf)).toContain(idOf(target));
    }
  });

  it('pages by page or by offset, with every record exactly once, in no time order', async () => {
    const byPage = await walk({}, 150, 'page');
    const byOffset = await walk({}, 150, 'offset');
    const ids = byPage.map(idOf);
    expect(new Set(ids).size).toBe(byPage.length);
    expect(new Set(ids)).toEqual(new Set(sim.visibleRecords().map(idOf)));
    expect(byOffset).toEqual(byPage);
    expect(byPage.map(startOf)).not.toEqual(byPage.map(startOf).sort((a, b) => a - b));
  });

  it.each<[KaleyraPaging, number]>([
    ['offset', 5],
    ['page', 20],
    ['offset+page', 25],
    ['second-page', 5],
  ])('reads page=3&offset=5 as the %s reading does: %d records skipped', async (paging, skip) => {
    sim.setPaging({ paging });
    const { body } = await callLogs({ page: '3', offset: '5' }, { limit: 10 });
    const { body: all } = await callLogs({}, { limit: 100 });
    expect(body.data).toEqual(all.data.slice(skip, skip + 10));
    expect(body).toMatchObject({ offset: 5, page: 3, limit: 10 });
  });

  it('skips nothing on the first page under the second-page reading', async () => {
    sim.setPaging({ paging: 'second-page' });
    const { body } = await callLogs({ offset: '5' }, { limit: 10 });
    const { body: all } = await callLogs({}, { limit: 10 });
    expect(body.data).toEqual(all.data);
  });

  it('caps the page size silently, and says what it applied in limit', async () => {
    sim.setPaging({ maxPageSize: 40 });
    const { body } = await callLogs({}, { limit: 100 });
    expect(body.data).toHaveLength(40);
    expect(body.limit).toBe(40);
  });

  it('can report a total that disagrees with its records', async () => {
    sim.setPaging({ totalSkew: 3 });
    const { body } = await callLogs({}, { limit: 10 });
    expect(body.total).toBe(sim.visibleRecords().length + 3);
  });

  it('answers GET with the same fields in the query string as it does POST', async () => {
    const fields = { status: 'ANSWER', page: '2' };
    const post = await callLogs(fields, { limit: 30 });
    const get = await callLogs(fields, { limit: 30, method: 'GET' });
    expect(get).toMatchObject({ status: 200, body: post.body });
    expect(sim.stats().log.map((entry) => entry.method)).toEqual(['POST', 'GET']);
  });
});

describe('KaleyraSimulator retention', () => {
  it('never serves a call from before the floor, though it holds some', async () => {
    expect(sim.records().some((r) => startOf(r) < floor())).toBe(true);
    const { body } = await callLogs({}, { limit: 5000 });
    expect(body.data.every((r) => startOf(r) >= floor())).toBe(true);
  });

  it('accepts a start time at the floor, and answers RBC3004 for one before it', async () => {
    const atFloor = new Date(floor()).toISOString();
    expect((await callLogs({ start_time: atFloor })).status).toBe(200);
    const { status, body } = await callLogs({ start_time: new Date(floor() - 1000).toISOString() });
    expect(status).toBe(400);
    expect(body).toEqual(refusal(KaleyraCode.badStartTime, 'Incorrect start time.'));
  });

  it.each([
    ['an unparseable start time', { start_time: 'yesterday' }],
    ['a start time without an offset', { start_time: '2026-11-19T00:00:00' }],
    // A "+" that was not URL-encoded arrives as a space.
    ['a start time with a space for +', { start_time: '2026-11-19T00:00:00 05:30' }],
    ['an unparseable end time', { end_time: '2026-13-45T99:00:00Z' }],
  ])('answers %s with RBC3004', async (_, fields) => {
    const { status, body } = await callLogs(fields);
    expect(status).toBe(400);
    expect(body.code).toBe(KaleyraCode.badStartTime);
  });

  it('moves the floor as time passes', async () => {
    const before = sim.visibleRecords().length;
    const earliest = new Date(floor()).toISOString();
    clock = new Date(start.getTime() + 2 * 86_400_000);
    expect(sim.visibleRecords().length).toBeLessThan(before);
    expect((await callLogs({ start_time: earliest })).body.code).toBe(KaleyraCode.badStartTime);
    expect((await callLogs()).body.total).toBe(sim.visibleRecords().length);
  });
});

describe('KaleyraSimulator faults and counters', () => {
  it('answers HTTP 429 with RBC429 and Retry-After', async () => {
    sim.setFaults({ rateLimitRate: 1 });
    const { status, headers, body } = await callLogs();
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('1');
    expect(body).toMatchObject({ code: 'RBC429', data: [], error: { error: body.message } });
  });

  it('answers HTTP 500 with RBC500', async () => {
    sim.setFaults({ errorRate: 1 });
    const { status, body } = await callLogs();
    expect(status).toBe(500);
    expect(body).toMatchObject({ code: 'RBC500', data: [], error: { error: body.message } });
  });

  it('revokes the credentials', async () => {
    sim.setFaults({ revokeCredentials: true });
    const { status, body } = await callLogs();
    expect(status).toBe(401);
    expect(body.code).toBe(KaleyraCode.badCredentials);
  });

  it('spoils a successful body with wrong types', async () => {
    sim.setFaults({ malformed: 'wrong-types' });
    const { status, body } = await callLogs();
    expect(status).toBe(200);
    expect(typeof body.data).toBe('string');
  });

  it('adds broken records to a page', async () => {
    sim.setFaults({ oddRecords: 2 });
    const { body } = await callLogs({}, { limit: 3 });
    expect(body.data).toHaveLength(5);
    const odd = body.data.slice(3);
    expect(odd.some((r) => idOf(r) === undefined)).toBe(true);
    expect(odd.some((r) => parseInstant(r.start_time, { requireOffset: false }) === null)).toBe(
      true,
    );
  });

  it('counts every request, failed ones too', async () => {
    await callLogs({ status: 'BUSY' });
    await callLogs({}, { apiKey: 'nope' });
    await callLogs({ start_time: 'soon' }, { method: 'GET' });
    const stats = sim.stats();
    expect(stats.requests).toBe(3);
    expect(stats.byStatus).toEqual({ 200: 1, 400: 1, 401: 1 });
    expect(stats.log.map((entry) => entry.params)).toEqual([
      { status: 'BUSY' },
      {},
      { start_time: 'soon' },
    ]);
  });
});
