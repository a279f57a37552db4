export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The instant a text names, or why it names none. */
export type InstantReading = { ok: true; ms: number } | { ok: false; reason: string };

/**
 * RFC 3339 (`T`, `t` or a space between date and time, an optional fraction of any length, `Z`,
 * `z` or ±hh:mm), and the same without an offset, which the upstreams use for UTC.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: what four digits of year can name. */
const FIRST_MS = -62_167_219_200_000;
const LAST_MS = 253_402_300_799_999;

/**
 * The UTC days that ended in a leap second, 23:59:60 (IERS Bulletin C; none has been announced
 * since 2016, and none is due before 2035, when they are to stop).
 */
export const LEAP_SECOND_DAYS: ReadonlySet<string> = new Set([
  '1972-06-30',
  '1972-12-31',
  '1973-12-31',
  '1974-12-31',
  '1975-12-31',
  '1976-12-31',
  '1977-12-31',
  '1978-12-31',
  '1979-12-31',
  '1981-06-30',
  '1982-06-30',
  '1983-06-30',
  '1985-06-30',
  '1987-12-31',
  '1989-12-31',
  '1990-12-31',
  '1992-06-30',
  '1993-06-30',
  '1994-06-30',
  '1995-12-31',
  '1997-06-30',
  '1998-12-31',
  '2005-12-31',
  '2008-12-31',
  '2012-06-30',
  '2015-06-30',
  '2016-12-31',
]);

/**
 * Reads an RFC 3339 date-time strictly: the day must be on the calendar, the time on the clock, the
 * offset at most ±23:59, and the year within four digits once the offset is applied. A leap second
 * is accepted where one was inserted (23:59:60 UTC on a day of the table above) and read as the
 * instant that follows it, 00:00:00.000 of the next day: Unix time has no instant inside a leap
 * second, and that is where it falls in a half-open window, as a start or as an end. The fraction is
 * kept to the millisecond, truncated.
 */
export function readInstant(
  text: string,
  { requireOffset }: { requireOffset: boolean },
): InstantReading {
  const read = instantOf(text, requireOffset);
  return typeof read === 'number' ? { ok: true, ms: read } : { ok: false, reason: read };
}

/** Epoch ms of an RFC 3339 date-time (see readInstant), or null. */
export function parseInstant(
  text: unknown,
  { requireOffset }: { requireOffset: boolean },
): number | null {
  if (typeof text !== 'string') return null;
  const read = instantOf(text, requireOffset);
  return typeof read === 'number' ? read : null;
}

/** An upstream time as `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC, milliseconds), or null; no offset is UTC. */
export function toUtcIso(value: unknown): string | null {
  const ms = parseInstant(typeof value === 'string' ? value.trim() : value, {
    requireOffset: false,
  });
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * The instant, or why there is none. Simulators and mappers read every record's times with it, so
 * it allocates nothing on the way to an instant.
 */
function instantOf(text: string, requireOffset: boolean): number | string {
  const m = DATE_TIME.exec(text);
  if (m === null) return 'is not an RFC 3339 date-time';
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  const hour = +m[4];
  const minute = +m[5];
  const second = +m[6];
  const sign = m[9];
  if (m[8] === undefined && sign === undefined && requireOffset) {
    return 'has no offset (end it with Z or ±hh:mm)';
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return `names ${m[1]}-${m[2]}-${m[3]}, which is not a day of the calendar`;
  }
  if (hour > 23 || minute > 59 || second > 60) {
    return `names ${m[4]}:${m[5]}:${m[6]}, which is not a time of day`;
  }
  let offset = 0;
  if (sign !== undefined) {
    const offsetHours = +m[10];
    const offsetMinutes = +m[11];
    if (offsetHours > 23 || offsetMinutes > 59) {
      return `has the offset ${sign}${m[10]}:${m[11]}; offsets run from -23:59 to +23:59`;
    }
    offset = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  }
  const local = daysFromCivil(year, month, day) * DAY + hour * HOUR + minute * 60_000;
  let ms: number;
  if (second === 60) {
    const lastSecond = local + 59_000 - offset * 60_000;
    if (
      lastSecond - dayStart(lastSecond) !== DAY - 1000 ||
      !LEAP_SECOND_DAYS.has(dayOf(lastSecond))
    ) {
      return 'names a leap second (:60) where none was inserted';
    }
    ms = lastSecond + 1000;
  } else {
    const fraction = m[7];
    const millis =
      fraction === undefined
        ? 0
        : fraction.length >= 3
          ? +fraction.slice(0, 3)
          : +fraction * (fraction.length === 1 ? 100 : 10);
    ms = local + second * 1000 + millis - offset * 60_000;
  }
  return ms < FIRST_MS || ms > LAST_MS ? 'lies outside the years 0000 to 9999 in UTC' : ms;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days from 1970-01-01 to a day of the proleptic Gregorian calendar (H. Hinnant's algorithm), by
 * arithmetic alone: Date would read the years 0 to 99 as 1900 to 1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function dayStart(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** `YYYY-MM-DD` of an instant, in UTC. */
function dayOf(ms: number): string {
  return new Date(dayStart(ms)).toISOString().slice(0, 10);
}
