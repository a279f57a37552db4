import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { CALL_STATUSES, type CallLog, type CallStatus } from '../domain/call-log.js';
import { type MapResult } from '../upstreams/record-mapper.js';
import {
  KALEYRA_STATUS_MAP,
  kaleyraDirection,
  kaleyraStatus,
  kaleyraStatusesFor,
  mapKaleyraRecord,
} from './kaleyra.mapper.js';
import { KALEYRA_STATUSES, type KaleyraStatus } from './kaleyra.types.js';

function fixture(name: string): Record<string, unknown> {
  const url = new URL(`../../test/fixtures/kaleyra/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

function recordOf(result: MapResult): CallLog {
  if (!result.ok) throw new Error(`expected a record, got: ${result.reason}`);
  return result.record;
}

/** The smallest record that maps; each table row changes one thing. */
const BASE = { id: 'k-1', start_time: '2026-11-20T10:16:25+00:00' };

/** Written out here, not read from the mapper, so that the two are checked against each other. */
const PUBLISHED: [KaleyraStatus, CallStatus][] = [
  ['ANSWER', 'completed'],
  ['FLOW_ANSWER', 'completed'],
  ['NOANSWER', 'no_answer'],
  ['NOANSWER_CHANNEL1', 'no_answer'],
  ['NOANSWER_CHANNEL2', 'no_answer'],
  ['MISS_CALL', 'no_answer'],
  ['QUEUE_TIMEOUT', 'no_answer'],
  ['OBD_TIMEOUT', 'no_answer'],
  ['BUSY', 'busy'],
  ['BUSY_CHANNEL1', 'busy'],
  ['BUSY_CHANNEL2', 'busy'],
  ['MAXUSE', 'busy'],
  ['REJECTED', 'declined'],
  ['CANCEL', 'canceled'],
  ['CHANUNAVAIL', 'unreachable'],
  ['BRIDGE_UNAVAILABLE', 'unreachable'],
  ['FLOW_UNREACHABLE', 'unreachable'],
  ['FAILED', 'failed'],
  ['FAILED_CHANNEL1', 'failed'],
  ['FAILED_CHANNEL2', 'failed'],
  ['NOROUTE', 'failed'],
  ['FLOW_UNASSIGNED', 'failed'],
  ['FLOW_PAUSED', 'failed'],
  ['FLOW_NOT_PUBLISHED', 'failed'],
  ['NO_INCOMING_CLI', 'failed'],
  ['CONGESTION', 'failed'],
  ['BLOCKED', 'failed'],
  ['DND', 'failed'],
];

describe('kaleyraStatus', () => {
  it.each(PUBLISHED)('%s -> %s', (token, expected) => {
    expect(kaleyraStatus(token)).toBe(expected);
    expect(KALEYRA_STATUS_MAP[token]).toBe(expected);
  });

  it('the table above lists all 28 published tokens, each once', () => {
    expect(PUBLISHED.map(([token]) => token).sort()).toEqual([...KALEYRA_STATUSES].sort());
    expect(KALEYRA_STATUSES).toHaveLength(28);
  });

  it.each<[unknown]>([
    ['VOICEMAIL'],
    ['ANSWERED'],
    ['NOANSWER_CHANNEL3'],
    ['answer'],
    ['ANSWER '],
    ['Call Ended'],
    ['completed'],
    ['toString'],
    ['__proto__'],
    [''],
    [null],
    [undefined],
    [200],
    [['ANSWER']],
    [{}],
  ])('unpublished %p -> unknown', (raw) => {
    expect(kaleyraStatus(raw)).toBe('unknown');
  });
});

describe('kaleyraStatusesFor (push-down)', () => {
  it.each<[CallStatus[], KaleyraStatus[] | null]>([
    [['completed'], ['ANSWER', 'FLOW_ANSWER']],
    [
      ['no_answer'],
      [
        'MISS_CALL',
        'NOANSWER',
        'NOANSWER_CHANNEL1',
        'NOANSWER_CHANNEL2',
        'OBD_TIMEOUT',
        'QUEUE_TIMEOUT',
      ],
    ],
    [['busy'], ['BUSY', 'BUSY_CHANNEL1', 'BUSY_CHANNEL2', 'MAXUSE']],
    [['declined'], ['REJECTED']],
    [['canceled'], ['CANCEL']],
    [['abandoned'], []],
    [['unreachable'], ['BRIDGE_UNAVAILABLE', 'CHANUNAVAIL', 'FLOW_UNREACHABLE']],
    [
      ['failed'],
      [
        'BLOCKED',
        'CONGESTION',
        'DND',
        'FAILED',
        'FAILED_CHANNEL1',
        'FAILED_CHANNEL2',
        'FLOW_NOT_PUBLISHED',
        'FLOW_PAUSED',
        'FLOW_UNASSIGNED',
        'NOROUTE',
        'NO_INCOMING_CLI',
      ],
    ],
    [
      ['busy', 'completed'],
      ['ANSWER', 'BUSY', 'BUSY_CHANNEL1', 'BUSY_CHANNEL2', 'FLOW_ANSWER', 'MAXUSE'],
    ],
    [['declined', 'declined'], ['REJECTED']],
    [[], []],
    [['unknown'], null],
    [['completed', 'unknown'], null],
  ])('%p -> %p', (statuses, expected) => {
    expect(kaleyraStatusesFor(statuses)).toEqual(expected);
  });

  it.each(CALL_STATUSES.filter((status) => status !== 'unknown'))(
    'every token pushed down for %s maps back to it',
    (status) => {
      for (const token of kaleyraStatusesFor([status]) ?? []) {
        expect(kaleyraStatus(token)).toBe(status);
      }
    },
  );

  it('all known statuses together push down every published token', () => {
    const known = CALL_STATUSES.filter((status) => status !== 'unknown');
    expect(kaleyraStatusesFor(known)).toEqual([...KALEYRA_STATUSES].sort());
  });
});

describe('kaleyraDirection', () => {
  it.each<[unknown, string]>([
    ['Incoming', 'inbound'],
    ['Outgoing', 'outbound'],
    ['incoming', 'inbound'],
    ['OUTGOING', 'outbound'],
    [' Outgoing ', 'outbound'],
    ['Inbound', 'unknown'],
    ['Missed', 'unknown'],
    ['', 'unknown'],
    [null, 'unknown'],
    [undefined, 'unknown'],
    [1, 'unknown'],
  ])('%p -> %s', (callType, expected) => {
    expect(kaleyraDirection(callType)).toBe(expected);
  });
});

describe('mapKaleyraRecord: recorded-style fixtures', () => {
  it('maps a typical record in the assumed shape', () => {
    const raw = fixture('typical');
    expect(mapKaleyraRecord(raw)).toEqual({
      ok: true,
      record: {
        id: 'kaleyra:75c1a2b3-4d5e-4f60-8a9b-0c1d2e3f4a51',
        provider: 'kaleyra',
        providerCallId: '75c1a2b3-4d5e-4f60-8a9b-0c1d2e3f4a51',
        direction: 'outbound',
        status: 'completed',
        statusRaw: 'ANSWER',
        startedAt: '2026-11-20T10:16:25.000Z',
        endedAt: '2026-11-20T10:18:01.000Z',
        durationSeconds: 90,
        caller: {
          number: '+919876543210',
          name: null,
          staffId: null,
          isStaff: null,
          country: 'IN',
        },
        callee: {
          number: '+13235550142',
          name: null,
          staffId: null,
          isStaff: null,
          country: 'US',
          location: null,
        },
        mediaType: 'audio',
        endReason: null,
        endedBy: null,
        bridgeNumber: '+13236000007',
        cost: { amount: 1.5, unit: 'credits' },
        raw,
      },
    });
  });

  it('maps an odd record: no-offset start, +05:30 end, numeric strings, unpublished status', () => {
    const raw = fixture('odd');
    expect(mapKaleyraRecord(raw)).toEqual({
      ok: true,
      record: {
        id: 'kaleyra:75c1a2b3-odd',
        provider: 'kaleyra',
        providerCallId: '75c1a2b3-odd',
        direction: 'inbound',
        status: 'unknown',
        statusRaw: 'VOICEMAIL',
        startedAt: '2026-11-20T10:16:25.000Z',
        endedAt: '2026-11-20T10:18:01.000Z',
        durationSeconds: 90,
        caller: {
          number: '+13235550142',
          name: null,
          staffId: null,
          isStaff: null,
          country: 'US',
        },
        callee: {
          number: '+919876543210',
          name: null,
          staffId: null,
          isStaff: null,
          country: 'IN',
          location: null,
        },
        mediaType: 'audio',
        endReason: null,
        endedBy: null,
        bridgeNumber: null,
        cost: { amount: 0.75, unit: 'credits' },
        raw,
      },
    });
  });

  it('maps a record that uses only the aliases', () => {
    const raw = fixture('alias');
    expect(mapKaleyraRecord(raw)).toEqual({
      ok: true,
      record: {
        id: 'kaleyra:75c1a2b3-alias',
        provider: 'kaleyra',
        providerCallId: '75c1a2b3-alias',
        direction: 'outbound',
        status: 'no_answer',
        statusRaw: 'NOANSWER_CHANNEL2',
        startedAt: '2026-11-20T10:16:25.000Z',
        endedAt: '2026-11-20T10:16:31.000Z',
        durationSeconds: 0,
        caller: {
          number: '+919876543210',
          name: null,
          staffId: null,
          isStaff: null,
          country: 'IN',
        },
        callee: {
          number: '+13235550142',
          name: null,
          staffId: null,
          isStaff: null,
          country: 'US',
          location: null,
        },
        mediaType: 'audio',
        endReason: null,
        endedBy: null,
        bridgeNumber: '+13236000007',
        cost: { amount: 0, unit: 'credits' },
        raw,
      },
    });
  });

  it('keeps the raw record by reference and gives the caller no location key', () => {
    const raw = fixture('typical');
    const record = recordOf(mapKaleyraRecord(raw));
    expect(record.raw).toBe(raw);
    expect(record.caller).not.toHaveProperty('location');
    expect(record.callee).toHaveProperty('location', null);
  });
});

describe('mapKaleyraRecord: one field at a time', () => {
  const mapped = (patch: Record<string, unknown>): CallLog =>
    recordOf(mapKaleyraRecord({ ...BASE, ...patch }));

  it.each<[string, Record<string, unknown>, (record: CallLog) => unknown, unknown]>([
    ['id wins over call_id', { id: 'a', call_id: 'b' }, (r) => r.providerCallId, 'a'],
    ['call_id when id is empty', { id: '', call_id: 'b' }, (r) => r.providerCallId, 'b'],
    ['call_id when id is null', { id: null, call_id: 'b' }, (r) => r.providerCallId, 'b'],
    ['numeric id', { id: 12345 }, (r) => r.id, 'kaleyra:12345'],
    [
      'caller wins over from',
      { caller: '919876543210', from: '13235550142' },
      (r) => r.caller.number,
      '+919876543210',
    ],
    [
      'from when caller is missing',
      { from: '13235550142' },
      (r) => r.caller.number,
      '+13235550142',
    ],
    [
      'callee wins over to',
      { callee: '13235550142', to: '919876543210' },
      (r) => r.callee.number,
      '+13235550142',
    ],
    [
      'to when callee is empty',
      { callee: '', to: '919876543210' },
      (r) => r.callee.number,
      '+919876543210',
    ],
    [
      'call_type wins over type',
      { call_type: 'Incoming', type: 'Outgoing' },
      (r) => r.direction,
      'inbound',
    ],
    ['type when call_type is missing', { type: 'Outgoing' }, (r) => r.direction, 'outbound'],
    ['billsec wins over duration', { billsec: 90, duration: 96 }, (r) => r.durationSeconds, 90],
    ['duration when billsec is missing', { duration: '96' }, (r) => r.durationSeconds, 96],
    [
      'credits wins over cost',
      { credits: 1.5, cost: 9 },
      (r) => r.cost,
      { amount: 1.5, unit: 'credits' },
    ],
    [
      'cost when credits is missing',
      { cost: '2.25' },
      (r) => r.cost,
      { amount: 2.25, unit: 'credits' },
    ],
  ])('alias: %s', (_name, patch, select, expected) => {
    expect(select(mapped(patch))).toEqual(expected);
  });

  it.each<[unknown, string | null, string | null]>([
    ['919876543210', '+919876543210', 'IN'],
    ['+919876543210', '+919876543210', 'IN'],
    [919876543210, '+919876543210', 'IN'],
    ['+1 (323) 555-0142', '+13235550142', 'US'],
    ['85298765432', '+85298765432', 'HK'],
    ['', null, null],
    ['1001', null, null],
    ['anonymous', null, null],
    [undefined, null, null],
    [{}, null, null],
  ])('phone %p -> %p in %p (caller, callee and bridge alike)', (value, number, country) => {
    const record = mapped({ caller: value, callee: value, bridge: value });
    expect(record.caller).toStrictEqual({
      number,
      name: null,
      staffId: null,
      isStaff: null,
      country,
    });
    expect(record.callee).toStrictEqual({
      number,
      name: null,
      staffId: null,
      isStaff: null,
      country,
      location: null,
    });
    expect(record.bridgeNumber).toBe(number);
  });

  it.each<[unknown, string]>([
    ['2026-11-20T10:16:25+00:00', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T15:46:25+05:30', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T05:16:25-05:00', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20 10:16:25', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T10:16:25', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T10:16:25.5Z', '2026-11-20T10:16:25.500Z'],
  ])('start_time %p -> %p', (start_time, expected) => {
    expect(mapped({ start_time }).startedAt).toBe(expected);
  });

  it.each<[unknown, string | null]>([
    ['2026-11-20T10:18:01+00:00', '2026-11-20T10:18:01.000Z'],
    ['2026-11-20 10:18:01', '2026-11-20T10:18:01.000Z'],
    ['2026-11-20T18:18:01+08:00', '2026-11-20T10:18:01.000Z'],
    ['', null],
    ['2026-11-31 10:18:01', null],
    ['0000-00-00 00:00:00', null],
    [1763633881, null],
    [undefined, null],
  ])('end_time %p -> %p', (end_time, expected) => {
    expect(mapped({ end_time }).endedAt).toBe(expected);
  });

  it.each<[unknown, number | null]>([
    [90, 90],
    [0, 0],
    ['90', 90],
    [' 90 ', 90],
    [89.6, 90],
    ['89.4', 89],
    [-5, null],
    ['-5', null],
    ['90s', null],
    ['', null],
    [Number.NaN, null],
    [null, null],
    [undefined, null],
  ])('billsec %p -> %p', (billsec, expected) => {
    expect(mapped({ billsec }).durationSeconds).toBe(expected);
  });

  it.each<[unknown, { amount: number; unit: 'credits' } | null]>([
    [1.5, { amount: 1.5, unit: 'credits' }],
    [0, { amount: 0, unit: 'credits' }],
    ['0.75', { amount: 0.75, unit: 'credits' }],
    ['-0.5', { amount: -0.5, unit: 'credits' }],
    ['1.5 credits', null],
    ['', null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    [true, null],
    [undefined, null],
  ])('credits %p -> %p', (credits, expected) => {
    expect(mapped({ credits }).cost).toEqual(expected);
  });

  it.each<[unknown, CallStatus, string | null]>([
    ['ANSWER', 'completed', 'ANSWER'],
    [' BUSY ', 'busy', 'BUSY'],
    ['VOICEMAIL', 'unknown', 'VOICEMAIL'],
    ['', 'unknown', null],
    [17, 'unknown', null],
    [undefined, 'unknown', null],
  ])('status %p -> %s, statusRaw %p', (status, expected, statusRaw) => {
    const record = mapped({ status });
    expect([record.status, record.statusRaw]).toEqual([expected, statusRaw]);
  });

  it('is always audio, with no end reason, end party or party details', () => {
    const record = mapped({});
    expect([record.mediaType, record.endReason, record.endedBy]).toEqual(['audio', null, null]);
  });
});

describe('mapKaleyraRecord: records that cannot be call logs', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'record is not an object'],
    ['an array', [BASE], 'record is not an object'],
    ['a string', JSON.stringify(BASE), 'record is not an object'],
    ['id missing', { start_time: BASE.start_time }, 'id is missing'],
    ['id and call_id empty', { ...BASE, id: '', call_id: '' }, 'id is missing'],
    ['id an object', { ...BASE, id: { value: 'k-1' } }, 'id is missing'],
    ['id a fraction', { ...BASE, id: 1.5 }, 'id is missing'],
    ['start_time missing', { id: 'k-1' }, 'start_time is missing or invalid (id k-1)'],
    ['start_time empty', { ...BASE, start_time: '' }, 'start_time is missing or invalid (id k-1)'],
    [
      'start_time impossible',
      { ...BASE, start_time: '2026-02-30 10:00:00' },
      'start_time is missing or invalid (id k-1)',
    ],
    [
      'start_time without seconds',
      { ...BASE, start_time: '2026-11-20 10:16' },
      'start_time is missing or invalid (id k-1)',
    ],
    [
      'start_time epoch seconds',
      { ...BASE, start_time: 1763633785 },
      'start_time is missing or invalid (id k-1)',
    ],
  ])('%s', (_name, raw, reason) => {
    expect(mapKaleyraRecord(raw)).toEqual({ ok: false, reason });
  });
});

describe('mapKaleyraRecord never throws', () => {
  const throwingGetter = Object.defineProperty({ ...BASE }, 'caller', {
    enumerable: true,
    get(): never {
      throw new Error('boom');
    },
  });
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const keys = [
    ...Object.keys(fixture('typical')),
    'call_id',
    'from',
    'to',
    'type',
    'duration',
    'cost',
  ];

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a number', 42],
    ['a boolean', false],
    ['an empty object', {}],
    ['an array of records', [{ ...BASE }]],
    ['every field null', Object.fromEntries(keys.map((key) => [key, null]))],
    ['every field an array', Object.fromEntries(keys.map((key) => [key, []]))],
    ['every field an object', Object.fromEntries(keys.map((key) => [key, {}]))],
    ['every field a huge number', Object.fromEntries(keys.map((key) => [key, Number.MAX_VALUE]))],
    [
      'wrong types around a valid id',
      { ...BASE, caller: [1], callee: { n: 1 }, credits: [], billsec: {} },
    ],
    ['a null prototype', Object.assign(Object.create(null) as Record<string, unknown>, BASE)],
    ['a throwing getter', throwingGetter],
    ['a revoked proxy', revoked.proxy],
  ])('%s', (_name, raw) => {
    let result: MapResult | undefined;
    expect(() => (result = mapKaleyraRecord(raw))).not.toThrow();
    expect(typeof result?.ok).toBe('boolean');
  });
});
