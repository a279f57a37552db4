import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { parseInstant } from '../../domain/time.js';
import { NO_FAULTS } from '../../sandbox/faults.js';
import type { SimulatorStats } from '../../sandbox/request-log.js';
import { CinnoxSimulator } from './cinnox.simulator.js';
import { type CinnoxCallRecord, CinnoxCode } from '../cinnox.types.js';

interface Body {
  code: number;
  message?: string;
  result?: CinnoxCallRecord[] | string;
}
interface Answer {
  status: number;
  headers: Headers;
  body: Body;
}
type Query = Record<string, string | number>;

const now = new Date('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
let sim: CinnoxSimulator;

beforeAll(async () => {
  sim = await CinnoxSimulator.start({ now: () => now });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.resetFaults();
  sim.resetStats();
});

async function callLog(
  query: Query = {},
  {
    token = 'sandbox-token',
    appId = 'sandbox-app',
    target = sim,
    signal,
  }: {
    token?: string | null;
    appId?: string;
    target?: CinnoxSimulator;
    signal?: AbortSignal;
  } = {},
): Promise<Answer> {
  const search = new URLSearchParams(
    Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
  );
  const url = `${target.baseUrl}/v1/api/apps/${appId}/data/call-log?${search.toString()}`;
  const res = await fetch(url, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    signal,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Body };
}

function records(body: Body): CinnoxCallRecord[] {
  if (!Array.isArray(body.result)) throw new Error(`no result list in ${JSON.stringify(body)}`);
  return body.result;
}

/** Every record of a query, page by page, until CINNOX says "no records found". */
async function walk(query: Query, limit: number): Promise<CinnoxCallRecord[]> {
  const all: CinnoxCallRecord[] = [];
  for (let offset = 0; ; offset += limit) {
    const { body } = await callLog({ ...query, offset, limit });
    if (body.code === CinnoxCode.noRecords) return all;
    all.push(...records(body));
  }
}

const startOf = (r: CinnoxCallRecord): number =>
  parseInstant(r.callDate, { requireOffset: true }) ?? NaN;
const lastWeek = {
  startAt: new Date(now.getTime() - 7 * DAY).toISOString(),
  endAt: now.toISOString(),
};

describe('CinnoxSimulator auth', () => {
  it('answers a wrong app ID with 6452001', async () => {
    const { status, body } = await callLog({}, { appId: 'someone-else' });
    expect(status).toBe(400);
    expect(body).toEqual({ code: CinnoxCode.invalidAppId, message: 'invalid appID' });
  });

  it.each([
    ['a wrong token', 'nope'],
    ['no token', null],
  ])('answers %s with 6452000', async (_, token) => {
    const { status, body } = await callLog({}, { token });
    expect(status).toBe(400);
    expect(body).toEqual({ code: CinnoxCode.invalidToken, message: 'invalid token' });
  });

  it('takes its credentials and records from the options', async () => {
    const own = await CinnoxSimulator.start({ appId: 'app-2', appToken: 'token-2', records: [] });
    try {
      expect((await callLog({}, { target: own })).body.code).toBe(CinnoxCode.invalidAppId);
      const { status, body } = await callLog({}, { target: own, appId: 'app-2', token: 'token-2' });
      expect(status).toBe(200);
      expect(body).toEqual({ code: CinnoxCode.noRecords, message: 'no records found' });
    } finally {
      await own.close();
    }
  });
});

describe('CinnoxSimulator query validation', () => {
  const t = '2026-11-19T00:00:00Z';
  it.each<[string, Query, string]>([
    ['startAt alone', { startAt: t }, 'startAt and endAt go together'],
    ['endAt alone', { endAt: t }, 'startAt and endAt go together'],
    [
      'endAt before startAt',
      { startAt: t, endAt: '2026-11-18T23:59:59Z' },
      'endAt is before startAt',
    ],
    [
      'a window over 31 days',
      { startAt: '2026-10-01T00:00:00Z', endAt: t },
      'Exceed maximum query day',
    ],
    ['a time without an offset', { startAt: '2026-11-18T00:00:00', endAt: t }, 'invalid startAt'],
    ['a time that is no time', { startAt: t, endAt: 'tomorrow' }, 'invalid endAt'],
    ['a limit over 500', { limit: 501 }, 'exceed maximum limit'],
    ['a negative limit', { limit: -1 }, 'exceed maximum limit'],
    ['a negative offset', { offset: -1 }, 'invalid offset'],
  ])('answers %s with 6451000', async (_, query, message) => {
    const { status, body } = await callLog(query);
    expect(status).toBe(400);
    expect(body).toEqual({ code: CinnoxCode.badQuery, message });
  });

  it('accepts a window of exactly 31 days and a limit of exactly 500', async () => {
    const { status, body } = await callLog({
      startAt: '2026-10-20T12:00:00Z',
      endAt: '2026-11-20T12:00:00+00:00',
      limit: 500,
    });
    expect(status).toBe(200);
    expect(records(body)).toHaveLength(500);
  });
});

describe('CinnoxSimulator filters and paging', () => {
  it('returns 100 records by default, with code 0', async () => {
    const { status, body } = await callLog();
    expect(status).toBe(200);
    expect(body.code).toBe(CinnoxCode.ok);
    expect(records(body)).toHaveLength(100);
  });

  it('includes both ends of the window, comparing instants across offsets', async () => {
    const target = defined(sim.records().find((r) => r.callDate?.endsWith('+08:00')));
    const instant = new Date(startOf(target)).toISOString();
    for (const at of [defined(target.callDate), instant]) {
      const found = records((await callLog({ startAt: at, endAt: at })).body);
      expect(found.map((r) => r.callID)).toContain(target.callID);
    }
    const justAfter = new Date(startOf(target) + 1).toISOString();
    const { body } = await callLog({ startAt: justAfter, endAt: justAfter });
    expect(body.code === CinnoxCode.noRecords || !records(body).includes(target)).toBe(true);
  });

  it('filters on the exact status display string', async () => {
    const found = await walk({ status: 'Not Answered' }, 500);
    expect(found.length).toBe(sim.records().filter((r) => r.status === 'Not Answered').length);
    expect(found.every((r) => r.status === 'Not Answered')).toBe(true);
    expect((await callLog({ status: 'not answered' })).body.code).toBe(CinnoxCode.noRecords);
  });

  it('finds one call by callID, and ignores callType', async () => {
    const target = sim.records()[1234];
    const { body } = await callLog({ callID: defined(target.callID), callType: 'onnet' });
    expect(records(body)).toEqual([target]);
  });

  it('answers an empty result, or an offset past the end, with 6451011 and no result', async () => {
    const quiet = { startAt: '2020-01-01T00:00:00Z', endAt: '2020-01-02T00:00:00Z' };
    for (const query of [quiet, { offset: sim.records().length }]) {
      const { status, body } = await callLog(query);
      expect(status).toBe(200);
      expect(body).toEqual({ code: CinnoxCode.noRecords, message: 'no records found' });
    }
  });

  it('pages through a window with every matching record exactly once, in no time order', async () => {
    const expected = sim
      .records()
      .filter((r) => startOf(r) >= now.getTime() - 7 * DAY && startOf(r) <= now.getTime());
    const found = await walk(lastWeek, 170);
    const ids = found.map((r) => r.callID);
    expect(new Set(ids).size).toBe(found.length);
    expect(new Set(ids)).toEqual(new Set(expected.map((r) => r.callID)));
    expect(found.map(startOf)).not.toEqual(found.map(startOf).sort((a, b) => a - b));
  });

  it('serves calls added while it runs', async () => {
    const call: CinnoxCallRecord = {
      callID: 'fresh-call',
      status: 'Busy',
      callDate: now.toISOString(),
    };
    sim.add(call);
    expect(records((await callLog({ callID: 'fresh-call' })).body)).toEqual([call]);
    expect(sim.records()).toContain(call);
  });
});

describe('CinnoxSimulator faults', () => {
  it('adds latency', async () => {
    sim.setFaults({ latencyMs: 300 });
    const started = performance.now();
    expect((await callLog({ limit: 1 })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('hangs past the client timeout, and counts the request as unanswered', async () => {
    sim.setFaults({ hang: true });
    await expect(callLog({}, { signal: AbortSignal.timeout(200) })).rejects.toThrow(
      /abort|timeout/i,
    );
    expect(sim.stats().byStatus).toEqual({ 0: 1 });
  });

  it('is settled once every request it holds is answered or its client has gone', async () => {
    sim.setFaults({ hang: true, remaining: 1 });
    const client = new AbortController();
    const hung = callLog({}, { signal: client.signal });
    await sim.arrived(1);
    let settled = false;
    const settling = sim.settled().then(() => (settled = true));
    // A whole request answered meanwhile, and the hung one still held.
    expect((await callLog()).status).toBe(200);
    expect(settled).toBe(false);
    client.abort();
    await expect(hung).rejects.toThrow(/abort/i);
    await settling;
    expect(settled).toBe(true);
  });

  it('releases hanging requests on close', async () => {
    const own = await CinnoxSimulator.start({ records: [] });
    own.setFaults({ hang: true });
    const hung = callLog({}, { target: own });
    await until(() => own.stats().requests === 1);
    await own.close();
    await expect(hung).rejects.toThrow();
  });

  it('answers HTTP 500 with 6451001 at errorRate 1', async () => {
    sim.setFaults({ errorRate: 1 });
    const { status, body } = await callLog();
    expect(status).toBe(500);
    expect(body.code).toBe(CinnoxCode.badResponse);
  });

  it('answers HTTP 429 with 6451010 and Retry-After at rateLimitRate 1', async () => {
    sim.setFaults({ rateLimitRate: 1, retryAfterSeconds: 3 });
    const { status, headers, body } = await callLog();
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('3');
    expect(body.code).toBe(CinnoxCode.tooManyRequests);
  });

  it('fails a share of the requests at a partial errorRate', async () => {
    sim.setFaults({ errorRate: 0.5 });
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push((await callLog({ limit: 1 })).status);
    const failed = statuses.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(8);
    expect(failed).toBeLessThan(32);
    expect(failed + statuses.filter((s) => s === 200).length).toBe(40);
  });

  it('revokes the credentials', async () => {
    sim.setFaults({ revokeCredentials: true });
    const { status, body } = await callLog();
    expect(status).toBe(400);
    expect(body.code).toBe(CinnoxCode.invalidToken);
  });

  it.each([
    [
      'truncated',
      'application/json',
      (text: string) => expect(() => JSON.parse(text) as unknown).toThrow(),
    ],
    ['not-json', 'text/html', (text: string) => expect(text).toMatch(/^<html>/)],
    [
      'wrong-types',
      'application/json',
      (text: string) => expect(typeof (JSON.parse(text) as Body).result).toBe('string'),
    ],
  ] as const)('spoils a successful body: %s', async (malformed, type, check) => {
    sim.setFaults({ malformed });
    const res = await fetch(`${sim.baseUrl}/v1/api/apps/sandbox-app/data/call-log?limit=5`, {
      headers: { authorization: 'Bearer sandbox-token' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain(type);
    check(await res.text());
    // An error answer stays as it was.
    expect((await callLog({}, { token: 'nope' })).body.code).toBe(CinnoxCode.invalidToken);
  });

  it('adds broken records to non-empty pages only', async () => {
    sim.setFaults({ oddRecords: 3 });
    const page = records((await callLog({ limit: 5 })).body) as Array<Record<string, unknown>>;
    expect(page).toHaveLength(8);
    const odd = page.slice(5);
    expect(odd.some((r) => r.callID === undefined)).toBe(true);
    expect(
      odd.some(
        (r) =>
          typeof r.callDate === 'string' &&
          parseInstant(r.callDate, { requireOffset: false }) === null,
      ),
    ).toBe(true);
    expect(odd.some((r) => r.callDuration === 'abc')).toBe(true);
    expect((await callLog({ offset: 100_000 })).body.code).toBe(CinnoxCode.noRecords);
  });

  it('applies the faults to `remaining` requests, then clears them', async () => {
    sim.setFaults({ errorRate: 1, remaining: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await callLog({ limit: 1 })).status);
    expect(statuses).toEqual([500, 500, 200]);
    expect(await control('GET', 'faults')).toEqual(NO_FAULTS);
  });

  it('begins the faults `after` so many requests', async () => {
    sim.setFaults({ errorRate: 1, after: 2, remaining: 1 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await callLog({ limit: 1 })).status);
    expect(statuses).toEqual([200, 200, 500, 200]);
  });
});

describe('CinnoxSimulator counters and control routes', () => {
  it('counts every request, failed ones too, but not the control routes', async () => {
    await callLog({ limit: 2 });
    await callLog({}, { token: 'nope' });
    await callLog({ limit: 501 });
    const stats = (await control('GET', 'stats')) as SimulatorStats;
    expect(stats.requests).toBe(3);
    expect(stats.byStatus).toEqual({ 200: 1, 400: 2 });
    expect(
      stats.log.map(({ method, path, params, status }) => ({ method, path, params, status })),
    ).toEqual([
      {
        method: 'GET',
        path: '/v1/api/apps/sandbox-app/data/call-log',
        params: { limit: '2' },
        status: 200,
      },
      { method: 'GET', path: '/v1/api/apps/sandbox-app/data/call-log', params: {}, status: 400 },
      {
        method: 'GET',
        path: '/v1/api/apps/sandbox-app/data/call-log',
        params: { limit: '501' },
        status: 400,
      },
    ]);
    expect(stats.log[0].at).toBe(now.toISOString());
    expect(sim.stats()).toEqual(stats);
  });

  it('sets, shows and validates faults over HTTP', async () => {
    expect(await control('PUT', 'faults', { errorRate: 1, remaining: 5 })).toMatchObject({
      errorRate: 1,
      remaining: 5,
    });
    expect((await callLog()).status).toBe(500);
    expect(await control('GET', 'faults')).toMatchObject({ errorRate: 1, remaining: 4 });
    const refused = await fetch(`${sim.baseUrl}/__sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 2 }),
    });
    expect(refused.status).toBe(400);
    expect(() => sim.setFaults({ malformed: 'odd' as 'truncated' })).toThrow(/malformed/);
    expect(await control('GET', 'faults')).toMatchObject({ errorRate: 1, malformed: null });
  });

  it('resets faults and stats over HTTP', async () => {
    sim.setFaults({ rateLimitRate: 1 });
    await callLog();
    await control('POST', 'reset');
    expect(sim.stats()).toEqual({ requests: 0, byStatus: {}, log: [] });
    expect((await callLog({ limit: 1 })).status).toBe(200);
  });

  it('appends records posted over HTTP', async () => {
    const call: CinnoxCallRecord = {
      callID: 'posted-call',
      status: 'Declined',
      callDate: now.toISOString(),
    };
    expect(await control('POST', 'records', [call])).toEqual({
      added: 1,
      total: sim.records().length,
    });
    expect(records((await callLog({ callID: 'posted-call' })).body)).toEqual([call]);
    const refused = await fetch(`${sim.baseUrl}/__sim/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ callID: 'not-a-list' }),
    });
    expect(refused.status).toBe(400);
  });
});

async function control(method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.baseUrl}/__sim/${route}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  });
  expect(res.ok).toBe(true);
  return res.json();
}

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

/** Yields to the event loop until `condition` holds: a request has no event to await on arrival. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
