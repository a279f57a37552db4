import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { LEAP_SECOND_DAYS, parseInstant, readInstant, toUtcIso } from './time.js';

describe('toUtcIso', () => {
  it.each<[string, string]>([
    ['2026-11-20T10:16:25Z', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T10:16:25.000Z', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T10:16:25.1Z', '2026-11-20T10:16:25.100Z'],
    ['2026-11-20T10:16:25.123456789Z', '2026-11-20T10:16:25.123Z'],
    ['2026-11-20t10:16:25z', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T10:16:25+00:00', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T10:16:25-00:00', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T18:16:25+08:00', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T18:16:25.250+08:00', '2026-11-20T10:16:25.250Z'],
    ['2026-11-20T15:46:25+05:30', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T05:16:25-05:00', '2026-11-20T10:16:25.000Z'],
    ['2026-11-21T00:30:00+05:30', '2026-11-20T19:00:00.000Z'],
    ['2026-12-31T23:30:00-01:00', '2027-01-01T00:30:00.000Z'],
    ['2026-11-20 10:16:25+08:00', '2026-11-20T02:16:25.000Z'],
    // No offset: UTC.
    ['2026-11-20 10:16:25', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20T10:16:25', '2026-11-20T10:16:25.000Z'],
    ['2026-11-20 10:16:25.5', '2026-11-20T10:16:25.500Z'],
    ['  2026-11-20T10:16:25Z ', '2026-11-20T10:16:25.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['0050-01-01T00:00:00Z', '0050-01-01T00:00:00.000Z'],
    // A leap second that was inserted: the instant that follows it.
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['2016-12-31T23:59:60.999Z', '2017-01-01T00:00:00.000Z'],
    ['2016-12-31T18:59:60-05:00', '2017-01-01T00:00:00.000Z'],
    ['2015-07-01T08:29:60+08:30', '2015-07-01T00:00:00.000Z'],
  ])('%p -> %p', (value, expected) => {
    expect(toUtcIso(value)).toBe(expected);
  });

  it.each<[unknown]>([
    ['2026-02-30T00:00:00Z'],
    ['2025-02-29T00:00:00Z'],
    ['2026-04-31T00:00:00Z'],
    ['2026-13-01T00:00:00Z'],
    ['2026-00-10T00:00:00Z'],
    ['2026-11-00T00:00:00Z'],
    ['2026-11-20T24:00:00Z'],
    ['2026-11-20T10:60:00Z'],
    ['2026-11-20T10:16:60Z'],
    ['2026-12-31T23:59:60Z'],
    ['2016-12-30T23:59:60Z'],
    ['2016-12-31T23:58:60Z'],
    ['2016-12-31T23:59:61Z'],
    ['1900-02-29T00:00:00Z'],
    ['2026-11-20T25:00:00Z'],
    ['2026-11-20T10:16:25+24:00'],
    ['2026-11-20T10:16:25+05:60'],
    ['2026-11-20T10:16:25+0530'],
    ['2026-11-20T10:16:25+05'],
    ['2026-11-20T10:16:25.Z'],
    ['2026-11-20T10:16Z'],
    ['2026-11-20'],
    ['10:16:25'],
    ['2026/11/20 10:16:25'],
    ['20261120T101625Z'],
    ['2026-11-20T10:16:25Z trailing'],
    ['Fri, 20 Nov 2026 10:16:25 GMT'],
    ['9999-12-31T23:59:59-01:00'],
    [''],
    ['   '],
    ['garbage'],
    [1763633785000],
    [null],
    [undefined],
    [{}],
    [[]],
    [new Date('2026-11-20T10:16:25Z')],
  ])('%p -> null', (value) => {
    expect(toUtcIso(value)).toBeNull();
  });
});

/**
 * The reference the parser is checked against: the calendar through Date (setUTCFullYear, so that
 * years 0 to 99 stay themselves), and the days of the leap seconds, through Date too.
 */
interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string;
  /** Minutes east of UTC; null: `Z`; undefined: no offset. */
  offset: number | null | undefined;
  separator: string;
}

const LEAP_SECONDS_UTC = [...LEAP_SECOND_DAYS].map((day) => Date.parse(`${day}T23:59:59Z`));

const pad = (value: number, width: number): string => String(Math.abs(value)).padStart(width, '0');

function format(f: Fields): string {
  const date = `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}`;
  const time = `${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}`;
  const fraction = f.fraction === '' ? '' : `.${f.fraction}`;
  let zone = '';
  if (f.offset === null) zone = 'Z';
  else if (f.offset !== undefined) {
    const abs = Math.abs(f.offset);
    zone = `${f.offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 100), 2)}:${pad(abs % 100, 2)}`;
  }
  return `${date}${f.separator}${time}${fraction}${zone}`;
}

/** The instant by the reference, or null where it names none. */
function reference(f: Fields): number | null {
  const offsetHours = f.offset ? Math.floor(Math.abs(f.offset) / 100) : 0;
  const offsetMinutes = f.offset ? Math.abs(f.offset) % 100 : 0;
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  if (f.hour > 23 || f.minute > 59 || f.second > 60) return null;
  const date = new Date(0);
  date.setUTCFullYear(f.year, f.month - 1, f.day);
  if (
    date.getUTCFullYear() !== f.year ||
    date.getUTCMonth() !== f.month - 1 ||
    date.getUTCDate() !== f.day
  )
    return null;
  const east =
    (f.offset ?? 0) < 0 ? -(offsetHours * 60 + offsetMinutes) : offsetHours * 60 + offsetMinutes;
  date.setUTCHours(f.hour, f.minute, Math.min(f.second, 59), 0);
  let ms = date.getTime() - east * 60_000;
  if (f.second === 60) {
    if (!LEAP_SECONDS_UTC.includes(ms)) return null;
    ms += 1000;
  } else {
    ms += Number(f.fraction.padEnd(3, '0').slice(0, 3));
  }
  const year = new Date(ms).getUTCFullYear();
  return year < 0 || year > 9999 ? null : ms;
}

const fields: fc.Arbitrary<Fields> = fc.record({
  year: fc.oneof(
    fc.integer({ min: 0, max: 9999 }),
    fc.constantFrom(0, 1, 99, 100, 1900, 2000, 2016, 9999),
  ),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.integer({ min: 0, max: 32 }),
  hour: fc.integer({ min: 0, max: 25 }),
  minute: fc.integer({ min: 0, max: 61 }),
  second: fc.oneof(fc.integer({ min: 0, max: 61 }), fc.constant(60)),
  fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\d{1,12}$/)),
  offset: fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.integer({ min: -2561, max: 2561 }),
    fc.constantFrom(0, -0, 2359, -2359, 2400, -2400, 530, 845),
  ),
  separator: fc.constantFrom('T', 't', ' '),
});

/** Leap seconds and their neighbours in every offset, which random fields hardly ever hit. */
const nearLeapSeconds: fc.Arbitrary<Fields> = fc
  .record({
    at: fc.constantFrom(...LEAP_SECONDS_UTC),
    shift: fc.integer({ min: -1, max: 1 }).map((days) => days * 86_400_000),
    offset: fc
      .integer({ min: -23, max: 23 })
      .chain((h) =>
        fc.constantFrom(0, 30, 45).map((m) => (h < 0 ? -1 : 1) * (Math.abs(h) * 100 + m)),
      ),
  })
  .map(({ at, shift, offset }) => {
    const east =
      (offset < 0 ? -1 : 1) * (Math.floor(Math.abs(offset) / 100) * 60 + (Math.abs(offset) % 100));
    const local = new Date(at + shift + east * 60_000);
    return {
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
      minute: local.getUTCMinutes(),
      second: 60,
      fraction: '5',
      offset,
      separator: 'T',
    };
  });

describe('readInstant against the reference', () => {
  it('accepts exactly what names an instant, and reads the same instant', () => {
    fc.assert(
      fc.property(fc.oneof(fields, nearLeapSeconds), (f) => {
        const text = format(f);
        const expected = f.offset === undefined ? null : reference(f);
        expect(parseInstant(text, { requireOffset: true })).toBe(expected);
        expect(parseInstant(text, { requireOffset: false })).toBe(reference(f));
      }),
      { seed: 20261202, numRuns: 10_000 },
    );
  });

  it('agrees with Date.parse wherever Date.parse reads a valid ISO 8601 time', () => {
    const valid = fields.filter(
      (f) =>
        f.second < 60 && f.separator === 'T' && f.offset !== undefined && reference(f) !== null,
    );
    fc.assert(
      fc.property(valid, (f) => {
        const text = format({ ...f, fraction: f.fraction.slice(0, 3) });
        expect(parseInstant(text, { requireOffset: true })).toBe(Date.parse(text));
      }),
      { seed: 7, numRuns: 5_000 },
    );
  });

  it('never throws, and what it reads prints back to the same instant', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[\d:TZ+. -]{10,40}$/)), (text) => {
        const reading = readInstant(text, { requireOffset: false });
        if (reading.ok) {
          expect(parseInstant(new Date(reading.ms).toISOString(), { requireOffset: true })).toBe(
            reading.ms,
          );
        } else {
          expect(reading.reason.length).toBeGreaterThan(0);
        }
      }),
      { seed: 11, numRuns: 10_000 },
    );
  });

  it.each([
    ['2026-02-30T00:00:00Z', 'not a day of the calendar'],
    ['2026-11-20T24:00:00Z', 'not a time of day'],
    ['2026-11-20T10:00:00+24:00', 'offsets run from -23:59 to +23:59'],
    ['2026-11-20T10:00:00', 'has no offset'],
    ['2026-12-31T23:59:60Z', 'leap second'],
    ['yesterday', 'not an RFC 3339 date-time'],
  ])('says why %p is refused', (text, reason) => {
    const reading = readInstant(text, { requireOffset: true });
    expect(reading.ok).toBe(false);
    expect(reading.ok ? '' : reading.reason).toContain(reason);
  });
});
