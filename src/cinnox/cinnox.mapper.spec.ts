import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { CALL_STATUSES, type CallLog, type CallStatus, type Party } from '../domain/call-log.js';
import { type MapResult } from '../upstreams/record-mapper.js';
import {
  cinnoxDirection,
  cinnoxStatus,
  cinnoxStatusFor,
  mapCinnoxRecord,
} from './cinnox.mapper.js';
import { CINNOX_STATUSES, type CinnoxStatus } from './cinnox.types.js';

function fixture(name: string): Record<string, unknown> {
  const url = new URL(`../../test/fixtures/cinnox/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

function recordOf(result: MapResult): CallLog {
  if (!result.ok) throw new Error(`expected a record, got: ${result.reason}`);
  return result.record;
}

/** The smallest record that maps; each table row changes one thing. */
const BASE = { callID: 'call-1', callDate: '2026-11-20T10:16:25Z' };

describe('cinnoxStatus', () => {
  it.each<[unknown, CallStatus]>([
    ['Call Ended', 'completed'],
    ['Declined', 'declined'],
    ['Busy', 'busy'],
    ['Not Answered', 'no_answer'],
    ['Cancelled', 'canceled'],
    ['Abandoned', 'abandoned'],
    ['Unreachable', 'unreachable'],
    ['Call Failed', 'failed'],
    // Unpublished or malformed: exact strings only.
    ['Voicemail', 'unknown'],
    ['call ended', 'unknown'],
    ['BUSY', 'unknown'],
    [' Busy', 'unknown'],
    ['Canceled', 'unknown'],
    ['completed', 'unknown'],
    ['constructor', 'unknown'],
    ['__proto__', 'unknown'],
    ['', 'unknown'],
    [null, 'unknown'],
    [undefined, 'unknown'],
    [0, 'unknown'],
    [['Busy'], 'unknown'],
    [{}, 'unknown'],
  ])('%p -> %s', (raw, expected) => {
    expect(cinnoxStatus(raw)).toBe(expected);
  });

  it('the table above covers every published status', () => {
    expect(CINNOX_STATUSES).toHaveLength(8);
  });
});

describe('cinnoxStatusFor (push-down)', () => {
  it.each<[CallStatus, CinnoxStatus | null]>([
    ['completed', 'Call Ended'],
    ['declined', 'Declined'],
    ['busy', 'Busy'],
    ['no_answer', 'Not Answered'],
    ['canceled', 'Cancelled'],
    ['abandoned', 'Abandoned'],
    ['unreachable', 'Unreachable'],
    ['failed', 'Call Failed'],
    ['unknown', null],
  ])('%s -> %p', (status, expected) => {
    expect(cinnoxStatusFor(status)).toBe(expected);
  });

  it.each(CALL_STATUSES.filter((status) => status !== 'unknown'))(
    'round trip from the unified status %s',
    (status) => {
      expect(cinnoxStatus(cinnoxStatusFor(status))).toBe(status);
    },
  );

  it.each(CINNOX_STATUSES)('round trip from the CINNOX status %p', (status) => {
    expect(cinnoxStatusFor(cinnoxStatus(status))).toBe(status);
  });
});

describe('cinnoxDirection', () => {
  it.each<[unknown, unknown, string]>([
    [true, true, 'internal'],
    [true, false, 'outbound'],
    [false, true, 'inbound'],
    [false, false, 'unknown'],
    [true, undefined, 'unknown'],
    [undefined, true, 'unknown'],
    [false, null, 'unknown'],
    [undefined, undefined, 'unknown'],
    ['true', false, 'unknown'],
    [false, 'true', 'unknown'],
    [1, 0, 'unknown'],
  ])('caller %p, callee %p -> %s', (caller, callee, expected) => {
    expect(cinnoxDirection(caller, callee)).toBe(expected);
  });
});

describe('mapCinnoxRecord: recorded-style fixtures', () => {
  it('maps a typical record in the documented shape', () => {
    const raw = fixture('typical');
    expect(mapCinnoxRecord(raw)).toEqual({
      ok: true,
      record: {
        id: 'cinnox:c6a0f3f2-3b1e-4c55-9d0a-2f6d1b7e9a41',
        provider: 'cinnox',
        providerCallId: 'c6a0f3f2-3b1e-4c55-9d0a-2f6d1b7e9a41',
        direction: 'inbound',
        status: 'completed',
        statusRaw: 'Call Ended',
        startedAt: '2026-11-20T10:16:25.000Z',
        endedAt: '2026-11-20T10:18:01.000Z',
        durationSeconds: 96,
        caller: {
          number: '+85298765432',
          name: 'Chan Tai Man',
          staffId: null,
          isStaff: false,
          country: 'HK',
        },
        callee: {
          number: null,
          name: 'Agent Wong',
          staffId: 'staff-0042',
          isStaff: true,
          country: 'HK',
          location: { city: 'Hong Kong', province: null, regionCode: 'HK', subdivision: null },
        },
        mediaType: 'audio',
        endReason: 'Normal call clearing',
        endedBy: 'caller',
        bridgeNumber: '+85230012345',
        cost: null,
        raw,
      },
    });
  });

  it('maps an odd record: strings for numbers, empty strings, +08:00, no ipLocDetail', () => {
    const raw = fixture('odd');
    expect(mapCinnoxRecord(raw)).toEqual({
      ok: true,
      record: {
        id: 'cinnox:c9d1e7a0-odd',
        provider: 'cinnox',
        providerCallId: 'c9d1e7a0-odd',
        direction: 'unknown',
        status: 'no_answer',
        statusRaw: 'Not Answered',
        startedAt: '2026-11-20T10:16:25.250Z',
        endedAt: null,
        durationSeconds: 30,
        caller: {
          number: '+85298765432',
          name: null,
          staffId: 'staff-0007',
          isStaff: true,
          country: 'HK',
        },
        callee: {
          number: '+13235550142',
          name: 'Jane Doe',
          staffId: null,
          isStaff: null,
          country: 'US',
          location: null,
        },
        mediaType: 'video',
        endReason: null,
        endedBy: 'callee',
        bridgeNumber: null,
        cost: null,
        raw,
      },
    });
  });

  it('keeps the raw record by reference and gives the caller no location key', () => {
    const raw = fixture('typical');
    const record = recordOf(mapCinnoxRecord(raw));
    expect(record.raw).toBe(raw);
    expect(record.caller).not.toHaveProperty('location');
    expect(record.callee).toHaveProperty('location');
  });
});

describe('mapCinnoxRecord: one field at a time', () => {
  const mapped = (patch: Record<string, unknown>): CallLog =>
    recordOf(mapCinnoxRecord({ ...BASE, ...patch }));
  const party = (fields: Partial<Party>): Party => ({
    number: null,
    name: null,
    staffId: null,
    isStaff: null,
    country: null,
    ...fields,
  });

  it.each<[unknown, string | null]>([
    [85298765432, '+85298765432'],
    ['+85298765432', '+85298765432'],
    ['85298765432', '+85298765432'],
    ['+852 9876-5432', '+85298765432'],
    ['', null],
    ['1001', null],
    [{}, null],
  ])('phone number %p -> %p (caller, callee and virtualNumber alike)', (value, expected) => {
    const record = mapped({
      callerInfo: { phoneNumber: value },
      calleeInfo: { phoneNumber: value },
      virtualNumber: value,
    });
    expect([record.caller.number, record.callee.number, record.bridgeNumber]).toEqual([
      expected,
      expected,
      expected,
    ]);
  });

  it.each<[string, unknown, Party]>([
    [
      'full',
      {
        countryCode: 'HK',
        displayName: 'Ann',
        eid: 'e-1',
        isStaff: true,
        phoneNumber: 85298765432,
      },
      party({ number: '+85298765432', name: 'Ann', staffId: 'e-1', isStaff: true, country: 'HK' }),
    ],
    [
      'countryCode wins over the number',
      { countryCode: 'sg', phoneNumber: 85298765432 },
      party({ number: '+85298765432', country: 'SG' }),
    ],
    [
      'countryCode empty',
      { countryCode: '', phoneNumber: 85298765432 },
      party({ number: '+85298765432', country: 'HK' }),
    ],
    [
      'countryCode not 2 letters',
      { countryCode: 'HKG', phoneNumber: 13235550142 },
      party({ number: '+13235550142', country: 'US' }),
    ],
    ['empty strings', { countryCode: '', displayName: '', eid: '', phoneNumber: '' }, party({})],
    ['isStaff not a boolean', { isStaff: 'true' }, party({})],
    ['isStaff false', { isStaff: false }, party({ isStaff: false })],
    ['missing', undefined, party({})],
    ['not an object', 'Ann', party({})],
    ['an array', [{ displayName: 'Ann' }], party({})],
  ])('callerInfo %s', (_name, callerInfo, expected) => {
    expect(mapped({ callerInfo }).caller).toStrictEqual(expected);
  });

  it.each<[string, unknown, Party]>([
    [
      'full',
      {
        displayName: 'Bo',
        eid: 'e-2',
        isStaff: true,
        phoneNumber: '13235550142',
        ipLocDetail: {
          city: 'Sydney',
          province: 'New South Wales',
          regionCode: 'au',
          subdivision: 'AU-NSW',
        },
      },
      party({
        number: '+13235550142',
        name: 'Bo',
        staffId: 'e-2',
        isStaff: true,
        country: 'AU',
        location: {
          city: 'Sydney',
          province: 'New South Wales',
          regionCode: 'au',
          subdivision: 'AU-NSW',
        },
      }),
    ],
    [
      'regionCode empty: country from the number',
      { phoneNumber: 13235550142, ipLocDetail: { city: 'Toronto', regionCode: '' } },
      party({
        number: '+13235550142',
        country: 'US',
        location: { city: 'Toronto', province: null, regionCode: null, subdivision: null },
      }),
    ],
    [
      'ipLocDetail all empty',
      { ipLocDetail: { city: '', province: '', regionCode: '', subdivision: '' } },
      party({ location: null }),
    ],
    ['ipLocDetail missing', { displayName: 'Bo' }, party({ name: 'Bo', location: null })],
    ['ipLocDetail not an object', { ipLocDetail: 'Hong Kong' }, party({ location: null })],
    ['missing', undefined, party({ location: null })],
    ['an array', [{ displayName: 'Bo' }], party({ location: null })],
  ])('calleeInfo %s', (_name, calleeInfo, expected) => {
    expect(mapped({ calleeInfo }).callee).toStrictEqual(expected);
  });

  it.each<[unknown, string]>([
    ['2026-11-20T10:16:25Z', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T18:16:25+08:00', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T15:46:25.5+05:30', '2026-11-20T10:16:25.500Z'],
    ['2026-11-20T05:16:25-05:00', '2026-11-20T10:16:25.000Z'],
  ])('callDate %p -> %p', (callDate, expected) => {
    expect(mapped({ callDate }).startedAt).toBe(expected);
  });

  it.each<[unknown, string | null]>([
    ['2026-11-20T18:18:01+08:00', '2026-11-20T10:18:01.000Z'],
    ['2026-11-20T10:18:01.123Z', '2026-11-20T10:18:01.123Z'],
    ['', null],
    ['2026-02-30T00:00:00Z', null],
    [1763633881000, null],
    [undefined, null],
  ])('callEndTime %p -> %p', (callEndTime, expected) => {
    expect(mapped({ callEndTime }).endedAt).toBe(expected);
  });

  it.each<[unknown, number | null]>([
    [96, 96],
    [0, 0],
    [95.5, 96],
    ['96', 96],
    [' 29.4 ', 29],
    [-1, null],
    ['-1', null],
    ['96s', null],
    ['', null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    [undefined, null],
  ])('callDuration %p -> %p', (callDuration, expected) => {
    expect(mapped({ callDuration }).durationSeconds).toBe(expected);
  });

  it.each<[unknown, CallStatus, string | null]>([
    ['Busy', 'busy', 'Busy'],
    [' Busy ', 'busy', 'Busy'],
    ['Voicemail', 'unknown', 'Voicemail'],
    ['', 'unknown', null],
    [3, 'unknown', null],
    [undefined, 'unknown', null],
  ])('status %p -> %s, statusRaw %p', (status, expected, statusRaw) => {
    const record = mapped({ status });
    expect([record.status, record.statusRaw]).toEqual([expected, statusRaw]);
  });

  it.each<[unknown, unknown, string]>([
    [true, true, 'internal'],
    [true, false, 'outbound'],
    [false, true, 'inbound'],
    [false, false, 'unknown'],
    [undefined, true, 'unknown'],
  ])('isStaff caller %p, callee %p -> %s', (callerStaff, calleeStaff, expected) => {
    const patch = { callerInfo: { isStaff: callerStaff }, calleeInfo: { isStaff: calleeStaff } };
    expect(mapped(patch).direction).toBe(expected);
  });

  it.each<[unknown, string | null]>([
    ['audio', 'audio'],
    ['video', 'video'],
    ['Video', 'video'],
    ['screen', null],
    ['', null],
    [undefined, null],
  ])('mediaType %p -> %p', (mediaType, expected) => {
    expect(mapped({ mediaType }).mediaType).toBe(expected);
  });

  it.each<[unknown, string | null]>([
    ['Caller', 'caller'],
    ['Callee', 'callee'],
    ['CALLER', 'caller'],
    ['callee', 'callee'],
    ['System', null],
    ['', null],
    [undefined, null],
  ])('releaseParty %p -> %p', (releaseParty, expected) => {
    expect(mapped({ releaseParty }).endedBy).toBe(expected);
  });

  it.each<[unknown, string | null]>([
    ['Normal call clearing', 'Normal call clearing'],
    ['Network out of order', 'Network out of order'],
    ['', null],
    [17, null],
  ])('byeReason %p -> %p', (byeReason, expected) => {
    expect(mapped({ byeReason }).endReason).toBe(expected);
  });

  it('never has a cost: CINNOX does not price calls in this API', () => {
    expect(mapped({}).cost).toBeNull();
  });
});

describe('mapCinnoxRecord: records that cannot be call logs', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'record is not an object'],
    ['an array', [BASE], 'record is not an object'],
    ['a string', JSON.stringify(BASE), 'record is not an object'],
    ['callID missing', { callDate: BASE.callDate }, 'callID is missing'],
    ['callID empty', { ...BASE, callID: '' }, 'callID is missing'],
    ['callID not a string', { ...BASE, callID: 42 }, 'callID is missing'],
    ['callDate missing', { callID: 'call-1' }, 'callDate is missing or invalid (callID call-1)'],
    ['callDate empty', { ...BASE, callDate: '' }, 'callDate is missing or invalid (callID call-1)'],
    [
      'callDate impossible',
      { ...BASE, callDate: '2026-02-30T10:00:00Z' },
      'callDate is missing or invalid (callID call-1)',
    ],
    [
      'callDate epoch number',
      { ...BASE, callDate: 1763633785000 },
      'callDate is missing or invalid (callID call-1)',
    ],
  ])('%s', (_name, raw, reason) => {
    expect(mapCinnoxRecord(raw)).toEqual({ ok: false, reason });
  });
});

describe('mapCinnoxRecord never throws', () => {
  const throwingGetter = Object.defineProperty({ ...BASE }, 'callerInfo', {
    enumerable: true,
    get(): never {
      throw new Error('boom');
    },
  });
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, BASE);

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a number', 42],
    ['a boolean', true],
    ['an empty object', {}],
    ['an array of records', [{ ...BASE }]],
    [
      'every field null',
      Object.fromEntries(Object.keys(fixture('typical')).map((key) => [key, null])),
    ],
    [
      'every field an array',
      Object.fromEntries(Object.keys(fixture('typical')).map((key) => [key, []])),
    ],
    [
      'every field an object',
      Object.fromEntries(Object.keys(fixture('typical')).map((key) => [key, {}])),
    ],
    [
      'nested wrong types',
      {
        ...BASE,
        callerInfo: [1, 2],
        calleeInfo: { ipLocDetail: [null], isStaff: {}, phoneNumber: {} },
        virtualNumber: { n: 1 },
      },
    ],
    ['nested nulls', { ...BASE, callerInfo: null, calleeInfo: { ipLocDetail: null } }],
    [
      'huge numbers',
      { ...BASE, callDuration: Number.MAX_VALUE, virtualNumber: Number.MAX_SAFE_INTEGER },
    ],
    ['a null prototype', nullPrototype],
    ['a throwing getter', throwingGetter],
    ['a revoked proxy', revoked.proxy],
  ])('%s', (_name, raw) => {
    let result: MapResult | undefined;
    expect(() => (result = mapCinnoxRecord(raw))).not.toThrow();
    expect(typeof result?.ok).toBe('boolean');
  });
});
