import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { parsePhoneNumberWithError } from 'libphonenumber-js';
import type { CallLog } from '../src/domain/call-log.js';
import {
  DAY,
  HOUR,
  gatewayEnv,
  ids,
  oracle,
  startGateway,
  startSimulators,
  walk,
  type Gateway,
  type PageBody,
  type Simulators,
  iso,
  resetFaults,
  KALEYRA_READINGS,
} from './utils.js';
import { CursorCodec } from '../src/domain/cursor.js';

const CURSOR_SECRET = 'a-cursor-key-of-this-test-only';

describe.each(KALEYRA_READINGS)(
  'GET /call-logs against both simulators, Kaleyra reading page and offset as %s',
  (paging) => {
    let sims: Simulators;
    let gateway: Gateway;
    let now: number;
    /** Fourteen days, past the newest call: the whole data set Kaleyra still keeps, and more of CINNOX. */
    let fortnight: { since: number; until: number };
    let everything: CallLog[];

    beforeAll(async () => {
      sims = await startSimulators({ seed: 7, kaleyra: { paging } });
      now = sims.clock.now();
      gateway = await startGateway(gatewayEnv(sims), sims.clock);
      fortnight = { since: now - 14 * DAY, until: now + HOUR };
      everything = oracle(sims, fortnight);
    });

    afterAll(async () => {
      await gateway.close();
      await sims.close();
    });

    const fortnightQuery = (): Record<string, string> => ({
      since: iso(fortnight.since),
      until: iso(fortnight.until),
    });

    describe('merge and pagination', () => {
      it('the data set is large enough to mean something', () => {
        expect(everything.length).toBeGreaterThan(3000);
        expect(new Set(everything.map((record) => record.provider))).toEqual(
          new Set(['cinnox', 'kaleyra']),
        );
      });

      it('walks several thousand records newest first: each exactly once, in order', async () => {
        const { records, pages } = await walk(gateway.http, { ...fortnightQuery(), limit: '500' });
        expect(pages).toBeGreaterThan(6);
        expect(new Set(ids(records)).size).toBe(records.length);
        expect(ids(records)).toEqual(ids(everything));
      });

      it('walks oldest first with an odd page size', async () => {
        const { records } = await walk(gateway.http, {
          ...fortnightQuery(),
          sort: 'startedAt',
          limit: '333',
        });
        expect(ids(records)).toEqual(ids(oracle(sims, fortnight, () => true, 'asc')));
      });

      it('walks one day in pages of 7: the two providers interleave by start time', async () => {
        const day = { since: now - DAY, until: now };
        const { records } = await walk(gateway.http, {
          since: iso(day.since),
          until: iso(day.until),
          limit: '7',
        });
        const expected = oracle(sims, day);
        expect(ids(records)).toEqual(ids(expected));
        const providersInOrder = records.map((record) => record.provider).join(',');
        expect(providersInOrder).toMatch(/cinnox,kaleyra|kaleyra,cinnox/);
      });

      it('serves the default window, the last 24 hours, and says so in meta', async () => {
        const response = await gateway.http.get('/call-logs');
        expect(response.status).toBe(200);
        const body = response.body as PageBody;
        const since = Date.parse(body.meta.window.since);
        const until = Date.parse(body.meta.window.until);
        expect(until - since).toBe(DAY);
        expect(Math.abs(until - sims.clock.now())).toBeLessThan(60_000);
        expect(body.page.limit).toBe(50);
        expect(body.data).toHaveLength(50);
        expect(ids(body.data)).toEqual(ids(oracle(sims, { since, until }).slice(0, 50)));
      });

      it('reports each provider in meta: ok, live, what it fetched and returned', async () => {
        const response = await gateway.http
          .get('/call-logs')
          .query({ ...fortnightQuery(), limit: '20' });
        const body = response.body as PageBody;
        expect(body.meta.providers.map((meta) => [meta.provider, meta.status, meta.mode])).toEqual([
          ['cinnox', 'ok', 'live'],
          ['kaleyra', 'ok', 'live'],
        ]);
        const returned = body.meta.providers.reduce((sum, meta) => sum + meta.returned, 0);
        expect(returned).toBe(20);
        for (const meta of body.meta.providers)
          expect(meta.records).toBeGreaterThanOrEqual(meta.returned);
      });

      it('adds the untouched upstream record with includeRaw=true, and only then', async () => {
        const plain = (
          await gateway.http.get('/call-logs').query({ ...fortnightQuery(), limit: '30' })
        ).body as PageBody;
        expect(plain.data.every((record) => !('raw' in record))).toBe(true);
        const raw = (
          await gateway.http
            .get('/call-logs')
            .query({ ...fortnightQuery(), limit: '30', includeRaw: 'true' })
        ).body as PageBody;
        for (const record of raw.data) {
          const source =
            record.provider === 'cinnox'
              ? sims.cinnox.records().find((item) => item.callID === record.providerCallId)
              : sims.kaleyra
                  .records()
                  .find((item) => (item.id ?? item.call_id) === record.providerCallId);
          expect(record.raw).toEqual(source);
        }
      });
    });

    describe('filters, each against a brute-force pass over the simulators’ data', () => {
      const pick = (keep: (record: CallLog) => boolean): CallLog => {
        const found = everything.find(keep);
        if (found === undefined) throw new Error('the data set lacks a record the test needs');
        return found;
      };

      const cases: Array<
        [string, () => Record<string, string>, () => (record: CallLog) => boolean]
      > = [
        ['provider=cinnox', () => ({ provider: 'cinnox' }), () => (r) => r.provider === 'cinnox'],
        [
          'provider=kaleyra',
          () => ({ provider: 'kaleyra' }),
          () => (r) => r.provider === 'kaleyra',
        ],
        ['status=busy', () => ({ status: 'busy' }), () => (r) => r.status === 'busy'],
        [
          'status=completed,no_answer',
          () => ({ status: 'completed,no_answer' }),
          () => (r) => ['completed', 'no_answer'].includes(r.status),
        ],
        ['status=unknown', () => ({ status: 'unknown' }), () => (r) => r.status === 'unknown'],
        [
          'status=abandoned',
          () => ({ status: 'abandoned' }),
          () => (r) => r.status === 'abandoned',
        ],
        [
          'direction=internal',
          () => ({ direction: 'internal' }),
          () => (r) => r.direction === 'internal',
        ],
        [
          'direction=inbound,outbound',
          () => ({ direction: 'inbound,outbound' }),
          () => (r) => ['inbound', 'outbound'].includes(r.direction),
        ],
        ['mediaType=video', () => ({ mediaType: 'video' }), () => (r) => r.mediaType === 'video'],
        ['mediaType=audio', () => ({ mediaType: 'audio' }), () => (r) => r.mediaType === 'audio'],
        [
          'minDuration=60',
          () => ({ minDuration: '60' }),
          () => (r) => r.durationSeconds !== null && r.durationSeconds >= 60,
        ],
        [
          'maxDuration=0',
          () => ({ maxDuration: '0' }),
          () => (r) => r.durationSeconds !== null && r.durationSeconds <= 0,
        ],
        [
          'minDuration=30&maxDuration=120',
          () => ({ minDuration: '30', maxDuration: '120' }),
          () => (r) =>
            r.durationSeconds !== null && r.durationSeconds >= 30 && r.durationSeconds <= 120,
        ],
        [
          'number in national-international notation',
          () => {
            const number = pick((r) => r.caller.number !== null).caller.number!;
            return { number: parsePhoneNumberWithError(number).formatInternational() };
          },
          () => {
            const number = pick((r) => r.caller.number !== null).caller.number!;
            return (r) => r.caller.number === number || r.callee.number === number;
          },
        ],
        [
          'bridgeNumber',
          () => ({
            bridgeNumber: pick((r) => r.provider === 'kaleyra' && r.bridgeNumber !== null)
              .bridgeNumber!,
          }),
          () => {
            const bridge = pick(
              (r) => r.provider === 'kaleyra' && r.bridgeNumber !== null,
            ).bridgeNumber;
            return (r) => r.bridgeNumber === bridge;
          },
        ],
        [
          'callId, one of each provider',
          () => ({
            callId: [pick((r) => r.provider === 'cinnox'), pick((r) => r.provider === 'kaleyra')]
              .map((r) => r.providerCallId)
              .join(','),
          }),
          () => {
            const wanted = [
              pick((r) => r.provider === 'cinnox'),
              pick((r) => r.provider === 'kaleyra'),
            ].map((r) => r.id);
            return (r) => wanted.includes(r.id);
          },
        ],
        [
          'callId, a single CINNOX id (pushed down)',
          () => ({ callId: pick((r) => r.provider === 'cinnox').providerCallId }),
          () => {
            const id = pick((r) => r.provider === 'cinnox').providerCallId;
            return (r) => r.providerCallId === id;
          },
        ],
        [
          'status, direction and provider together',
          () => ({ status: 'completed,failed', direction: 'outbound', provider: 'kaleyra' }),
          () => (r) =>
            ['completed', 'failed'].includes(r.status) &&
            r.direction === 'outbound' &&
            r.provider === 'kaleyra',
        ],
      ];

      it.each(cases)('%s', async (_name, params, keep) => {
        const expected = oracle(sims, fortnight, keep());
        const { records } = await walk(gateway.http, {
          ...fortnightQuery(),
          limit: '500',
          ...params(),
        });
        expect(expected.length).toBeGreaterThan(0);
        expect(ids(records)).toEqual(ids(expected));
      });

      it('skips Kaleyra without asking it when nothing there can match (video)', async () => {
        sims.kaleyra.resetStats();
        const body = (
          await gateway.http.get('/call-logs').query({ ...fortnightQuery(), mediaType: 'video' })
        ).body as PageBody;
        const kaleyra = body.meta.providers.find((meta) => meta.provider === 'kaleyra');
        expect(kaleyra).toMatchObject({
          status: 'skipped',
          reason: 'no_match',
          upstreamRequests: 0,
        });
        expect(sims.kaleyra.stats().requests).toBe(0);
      });

      it('pushes the status down to both providers', async () => {
        sims.cinnox.resetStats();
        sims.kaleyra.resetStats();
        await gateway.http
          .get('/call-logs')
          .query({ since: iso(now - 2 * HOUR), until: iso(now), status: 'busy', refresh: 'true' });
        expect(sims.cinnox.stats().log.every((entry) => entry.params.status === 'Busy')).toBe(true);
        expect(
          sims.kaleyra
            .stats()
            .log.every(
              (entry) => entry.params.status === 'BUSY,BUSY_CHANNEL1,BUSY_CHANNEL2,MAXUSE',
            ),
        ).toBe(true);
        expect(sims.cinnox.stats().requests).toBeGreaterThan(0);
      });
    });

    describe('Kaleyra keeps seven days', () => {
      it('a window wholly older is skipped for Kaleyra, not an error, and Kaleyra is not asked', async () => {
        const old = { since: now - 13 * DAY, until: now - 9 * DAY };
        sims.kaleyra.resetStats();
        const { records } = await walk(gateway.http, {
          since: iso(old.since),
          until: iso(old.until),
          limit: '500',
          refresh: 'true',
        });
        expect(ids(records)).toEqual(ids(oracle(sims, old)));
        expect(records.every((record) => record.provider === 'cinnox')).toBe(true);
        const body = (
          await gateway.http
            .get('/call-logs')
            .query({ since: iso(old.since), until: iso(old.until) })
        ).body as PageBody;
        expect(body.meta.providers.find((meta) => meta.provider === 'kaleyra')).toMatchObject({
          status: 'skipped',
          reason: 'retention',
        });
        expect(sims.kaleyra.stats().requests).toBe(0);
      });

      it('a window that straddles the retention floor is clipped: no refused request, every kept record', async () => {
        const straddling = { since: now - 10 * DAY, until: now - 4 * DAY };
        sims.kaleyra.resetStats();
        const { records } = await walk(gateway.http, {
          since: iso(straddling.since),
          until: iso(straddling.until),
          limit: '500',
          // From the upstream, not from the slices the walks above cached.
          refresh: 'true',
        });
        expect(ids(records)).toEqual(ids(oracle(sims, straddling)));
        expect(records.some((record) => record.provider === 'kaleyra')).toBe(true);
        expect(sims.kaleyra.stats().requests).toBeGreaterThan(0);
        expect(sims.kaleyra.stats().byStatus['400'] ?? 0).toBe(0);
      });
    });
  },
);

describe('GET /call-logs: bad input, and providers that refuse', () => {
  let sims: Simulators;
  let gateway: Gateway;
  let now: number;
  let fortnight: { since: number; until: number };

  beforeAll(async () => {
    sims = await startSimulators({ seed: 7 });
    now = sims.clock.now();
    gateway = await startGateway(gatewayEnv(sims, { CURSOR_SECRET }), sims.clock);
    fortnight = { since: now - 14 * DAY, until: now + HOUR };
  });

  afterAll(async () => {
    await gateway.close();
    await sims.close();
  });

  const fortnightQuery = (): Record<string, string> => ({
    since: iso(fortnight.since),
    until: iso(fortnight.until),
  });

  describe('bad input: a 400 problem naming the parameter', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['an unknown parameter', { color: 'blue' }, 'color'],
      ['a date without an offset', { since: '2026-11-21T00:00:00' }, 'since'],
      ['a date that is not one', { until: 'yesterday' }, 'until'],
      [
        'since after until',
        { since: '2026-11-21T00:00:00Z', until: '2026-11-20T00:00:00Z' },
        'since',
      ],
      [
        'since equal to until',
        { since: '2026-11-21T00:00:00Z', until: '2026-11-21T00:00:00Z' },
        'since',
      ],
      [
        'a window over 31 days',
        { since: '2026-09-01T00:00:00Z', until: '2026-11-01T00:00:00Z' },
        'since',
      ],
      ['an unknown provider', { provider: 'cinnox,twilio' }, 'provider'],
      ['an unknown status', { status: 'completed,answered' }, 'status'],
      ['an empty status', { status: '' }, 'status'],
      ['an unknown direction', { direction: 'sideways' }, 'direction'],
      ['an unknown media type', { mediaType: 'fax' }, 'mediaType'],
      ['a limit of 0', { limit: '0' }, 'limit'],
      ['a limit of 501', { limit: '501' }, 'limit'],
      ['a fractional limit', { limit: '2.5' }, 'limit'],
      ['a limit that is not a number', { limit: 'ten' }, 'limit'],
      ['a negative duration', { minDuration: '-1' }, 'minDuration'],
      ['minDuration above maxDuration', { minDuration: '60', maxDuration: '30' }, 'minDuration'],
      ['an unknown sort', { sort: 'duration' }, 'sort'],
      ['includeRaw that is not a boolean', { includeRaw: 'yes' }, 'includeRaw'],
      ['a number that is not a phone number', { number: 'call me' }, 'number'],
      ['a national number without a default region', { number: '(323) 555-0142' }, 'number'],
      ['a cursor that is not one', { cursor: 'not-a-cursor' }, 'cursor'],
      ['a day that does not exist', { until: '2026-02-30T00:00:00Z' }, 'until'],
      ['hour 24', { until: '2026-11-20T24:00:00Z' }, 'until'],
      ['hour 25', { since: '2026-11-20T25:00:00Z' }, 'since'],
      ['an offset past +23:59', { until: '2026-11-20T10:00:00+24:00' }, 'until'],
      ['an offset past -23:59', { until: '2026-11-20T10:00:00-23:60' }, 'until'],
      ['the year 0000', { until: '0000-01-01T00:00:00Z' }, 'until'],
      [
        'a window older than any provider keeps',
        { since: '1999-12-31T00:00:00Z', until: '2000-01-01T00:00:00Z' },
        'since',
      ],
      ['a leap second where none was inserted', { until: '2026-06-30T23:59:60Z' }, 'until'],
      ['a window that starts ten years back', { since: '2016-12-31T23:59:60Z' }, 'since'],
    ];

    it.each(cases)('%s', async (_name, query, parameter) => {
      const response = await gateway.http.get('/call-logs').query(query);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = response.body as {
        type: string;
        title: string;
        status: number;
        detail: string;
        errors: Array<{ parameter: string; detail: string }>;
      };
      expect(body).toMatchObject({
        status: 400,
        type: '/problems/invalid-parameters',
        title: 'Invalid parameters',
      });
      expect(body.errors.map((error) => error.parameter)).toContain(parameter);
      expect(body.detail).toContain(parameter);
    });

    it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString'])(
      '?%s=1 is an unknown parameter like any other',
      async (name) => {
        const response = await gateway.http.get(`/call-logs?${name}=1&limit=5`);
        expect(response.status).toBe(400);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect((response.body as { errors: Array<{ parameter: string }> }).errors).toEqual([
          { parameter: name, detail: `${name} is not a parameter of this endpoint` },
        ]);
      },
    );

    it('a leap second that was inserted is the instant after it, 00:00 of the next day', async () => {
      const response = await gateway.http
        .get('/call-logs')
        .query({ since: '2016-12-31T23:59:60Z', until: '2017-01-01T01:00:00Z' });
      expect(response.status).toBe(200);
      expect((response.body as PageBody).meta.window).toEqual({
        since: '2017-01-01T00:00:00.000Z',
        until: '2017-01-01T01:00:00.000Z',
      });
      const ending = await gateway.http
        .get('/call-logs')
        .query({ until: '2016-12-31T18:59:60-05:00' });
      expect(ending.status).toBe(200);
      expect((ending.body as PageBody).meta.window).toEqual({
        since: '2016-12-31T00:00:00.000Z',
        until: '2017-01-01T00:00:00.000Z',
      });
    });

    it('answers each of them within a second, and keeps serving', async () => {
      for (const query of [
        '?since=2016-12-31T23:59:60Z',
        '?until=2016-12-31T23:59:60Z',
        '?until=0000-01-01T00:00:00Z',
        '?until=2026-02-30T00:00:00Z',
        '?__proto__=1',
        '?constructor=1',
      ]) {
        const started = performance.now();
        const response = await gateway.http.get(`/call-logs${query}`);
        expect(performance.now() - started).toBeLessThan(1000);
        expect([200, 400]).toContain(response.status);
        expect((await gateway.http.get('/health/live')).status).toBe(200);
      }
    });

    it('a refused query is refused every time, and an accepted one accepted every time', async () => {
      for (let i = 0; i < 3; i += 1) {
        expect((await gateway.http.get('/call-logs').query({ limit: '0' })).status).toBe(400);
        expect((await gateway.http.get('/call-logs').query({ limit: '1' })).status).toBe(200);
      }
    });

    it('a repeated scalar parameter', async () => {
      const response = await gateway.http.get('/call-logs?limit=5&limit=6');
      expect(response.status).toBe(400);
      expect((response.body as { errors: Array<{ parameter: string }> }).errors[0].parameter).toBe(
        'limit',
      );
    });

    it('names every bad parameter at once', async () => {
      const response = await gateway.http
        .get('/call-logs')
        .query({ limit: '0', status: 'nope', foo: '1' });
      expect(
        (response.body as { errors: Array<{ parameter: string }> }).errors
          .map((error) => error.parameter)
          .sort(),
      ).toEqual(['foo', 'limit', 'status']);
    });

    describe('cursors', () => {
      let cursor: string;
      beforeAll(async () => {
        const body = (
          await gateway.http
            .get('/call-logs')
            .query({ ...fortnightQuery(), status: 'busy', limit: '5' })
        ).body as PageBody;
        cursor = body.page.nextCursor!;
      });

      it('a tampered cursor', async () => {
        const [payload, signature] = cursor.split('.');
        const state = JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[];
        state[4] = (state[4] as number) - 60_000;
        const forged = `${Buffer.from(JSON.stringify(state)).toString('base64url')}.${signature}`;
        const response = await gateway.http
          .get('/call-logs')
          .query({ ...fortnightQuery(), status: 'busy', cursor: forged });
        expect(response.status).toBe(400);
        expect(
          (response.body as { errors: Array<{ parameter: string }> }).errors[0].parameter,
        ).toBe('cursor');
      });

      it.each([
        ['other filters', { status: 'failed' }],
        ['no filters', {}],
        ['another sort', { status: 'busy', sort: 'startedAt' }],
      ])('a cursor used with %s', async (_name, filters) => {
        const response = await gateway.http
          .get('/call-logs')
          .query({ ...fortnightQuery(), ...filters, cursor });
        expect(response.status).toBe(400);
        const body = response.body as { errors: Array<{ parameter: string; detail: string }> };
        expect(body.errors[0]).toMatchObject({ parameter: 'cursor' });
        expect(body.errors[0].detail).toContain('other filters');
      });

      it('a cursor signed with the gateway’s own key is checked like a query: no wider window', async () => {
        const codec = new CursorCodec(CURSOR_SECRET, ['cinnox', 'kaleyra']);
        const until = fortnight.until;
        const forged = codec.encode({
          sort: 'desc',
          since: until - 3650 * DAY,
          until,
          places: { cinnox: null, kaleyra: null },
          filters: codec.decode(cursor)!.filters,
        });
        const response = await gateway.http
          .get('/call-logs')
          .query({ ...fortnightQuery(), status: 'busy', cursor: forged });
        expect(response.status).toBe(400);
        const body = response.body as { errors: Array<{ parameter: string; detail: string }> };
        expect(body.errors[0].parameter).toBe('cursor');
        expect(body.errors[0].detail).toContain('3650.0 days');
      });

      it('the same cursor with the same filters and another page size is fine', async () => {
        const response = await gateway.http
          .get('/call-logs')
          .query({ ...fortnightQuery(), status: 'busy', limit: '9', cursor });
        expect(response.status).toBe(200);
      });
    });

    it('an unknown route is a problem too', async () => {
      const response = await gateway.http.get('/call-log');
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 404, type: '/problems/not-found' });
    });
  });

  describe('an upstream that refuses the credentials', () => {
    // A cache of its own: a slice the walks above cached would stand in for the refused fetch.
    let fresh: Gateway;
    beforeEach(async () => {
      fresh = await startGateway(gatewayEnv(sims), sims.clock);
    });
    afterEach(async () => {
      await fresh.close();
    });
    it('is reported for that provider while the other still answers', async () => {
      sims.kaleyra.setFaults({ revokeCredentials: true });
      try {
        const day = { since: now - 3 * DAY, until: now - 2 * DAY };
        const response = await fresh.http
          .get('/call-logs')
          .query({ since: iso(day.since), until: iso(day.until), limit: '500' });
        expect(response.status).toBe(200);
        const body = response.body as PageBody;
        expect(body.meta.providers.find((meta) => meta.provider === 'kaleyra')).toMatchObject({
          status: 'error',
          error: { code: 'upstream_auth' },
        });
        expect(ids(body.data)).toEqual(
          ids(oracle(sims, day, (record) => record.provider === 'cinnox')).slice(0, 500),
        );
        expect(JSON.stringify(body)).not.toContain('sandbox-api-key');
      } finally {
        sims.kaleyra.resetFaults();
      }
    });

    it('is a 502 problem when every provider refuses, without a secret in it', async () => {
      sims.kaleyra.setFaults({ revokeCredentials: true });
      sims.cinnox.setFaults({ revokeCredentials: true });
      try {
        const response = await fresh.http
          .get('/call-logs')
          .query({ since: iso(now - 5 * DAY), until: iso(now - 4 * DAY), status: 'declined' });
        expect(response.status).toBe(502);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({
          status: 502,
          type: '/problems/upstreams-unavailable',
        });
        const text = JSON.stringify(response.body);
        expect(text).toContain('upstream_auth');
        expect(text).not.toMatch(/sandbox-token|sandbox-api-key/);
      } finally {
        resetFaults(sims);
      }
    });
  });
});

describe('GET /call-logs while calls arrive', () => {
  let sims: Simulators;
  let gateway: Gateway;
  let now: number;

  beforeAll(async () => {
    sims = await startSimulators({ seed: 11 });
    now = sims.clock.now();
    gateway = await startGateway(gatewayEnv(sims), sims.clock);
  });

  afterAll(async () => {
    await gateway.close();
    await sims.close();
  });

  it('keeps its place when new calls arrive between pages', async () => {
    const window = { since: now - 3 * DAY, until: now + HOUR };
    const before = oracle(sims, window);
    let added = 0;
    const { records } = await walk(
      gateway.http,
      { since: iso(window.since), until: iso(window.until), limit: '20' },
      () => {
        added += 1;
        const startedAt = new Date(sims.clock.now() - 1000);
        sims.cinnox.add({
          callID: `arrived-${added}`,
          callDate: startedAt.toISOString(),
          status: 'Call Ended',
          callDuration: 10,
          callerInfo: { isStaff: false, phoneNumber: '+85298765432' },
          calleeInfo: { isStaff: true },
        });
      },
    );
    expect(added).toBeGreaterThan(5);
    expect(new Set(ids(records)).size).toBe(records.length);
    expect(ids(records)).toEqual(ids(before));
  });
});
