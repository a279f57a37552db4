export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * RFC 3339 (`T`, `t` or a space between date and time, optional fraction, `Z` or ±hh:mm), and the
 * same without an offset, which the upstreams use for UTC.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))?$/;

/** An upstream time as `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC, milliseconds), or null. */
export function toUtcIso(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = DATE_TIME.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [fraction = '', sign, offsetHours = '0', offsetMinutes = '0'] = match.slice(7);
  // A leap second (:60) cannot be represented by Date; it is refused rather than moved.
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return null;

  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  // Date rolls Feb 30 over to Mar 2: a date that does not come back unchanged does not exist.
  if (local.getUTCMonth() !== month - 1 || local.getUTCDate() !== day) return null;
  local.setUTCHours(hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3)));

  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes));
  const iso = new Date(local.getTime() - offset * 60_000).toISOString();
  // An offset can push year 0000 or 9999 out of four digits, which is no longer this format.
  return /^\d{4}-/.test(iso) ? iso : null;
}
