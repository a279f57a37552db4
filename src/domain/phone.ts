import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js';
import { LRUCache } from 'lru-cache';

/**
 * Digits with the usual separators and at most one leading '+'. Anything else (letters, `ext.`,
 * `;ext=`, a second '+') is refused here, because libphonenumber-js would otherwise happily pick a
 * number out of free text.
 */
const PHONE_NOTATION = /^\+?[\d\s().-]+$/;

/** The ITU-recommended (00) and the North American (011) international dialling prefixes. */
const INTERNATIONAL_PREFIX = /^(?:00|011)/;

/**
 * A number as an upstream sends it: a JSON number or a string, always with the country code, with
 * or without '+'. Returns E.164 or null.
 */
export function toE164(value: unknown): string | null {
  let text = '';
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) text = String(value);
  if (typeof value === 'string') text = value.trim();
  if (!PHONE_NOTATION.test(text)) return null;
  return international(text.replace(/\D/g, '')).e164;
}

/** What one reading of a number with its country code gives. */
interface Reading {
  e164: string | null;
  country: string | null;
}

/**
 * Readings of the numbers met lately. A +1 number is told from two dozen countries' patterns,
 * which makes reading it the costliest part of mapping a record; a contact centre's numbers
 * repeat, and each record's number is asked for again for its country.
 */
const readings = new LRUCache<string, Reading>({ max: 20_000 });

/** `digits` read as country code + number: E.164 when the number is possible, and its country. */
function international(digits: string): Reading {
  const known = readings.get(digits);
  if (known !== undefined) return known;
  // Possible, not valid: a range newer than the library's metadata must not lose the number.
  const phone = parsePhoneNumberFromString('+' + digits);
  const reading = phone?.isPossible()
    ? { e164: phone.number, country: phone.country ?? null }
    : { e164: null, country: null };
  readings.set(digits, reading);
  return reading;
}

/**
 * A number as a user types it in the `number` query parameter. Returns E.164, or null for a 400.
 *
 * Each notation has one or two readings, tried in order: the first that is a valid number wins,
 * else the first that is at least possible (ranges newer than the library's metadata).
 * - A leading '+' (also `tel:+...`): only the international reading.
 * - Otherwise, with a `defaultRegion`: first as a caller there would dial it (national notation,
 *   or that region's own international prefix, e.g. 0011 in AU), then as below.
 * - Otherwise: country code + number, once a 00 or 011 prefix is dropped. This also rescues a '+'
 *   that an unencoded query string turned into a space.
 * So the region wins a tie: with DE, '13235550142' is a valid German number (type '+1...' to mean
 * the US one). Without a region, national notation cannot be read: a leading '(' (an area code) is
 * refused, a leading trunk 0 fails (no country code starts with 0), and a bare national number
 * such as '3235550142' cannot be told from +32 35550142 and is read as that.
 */
export function parsePhoneQuery(input: string, defaultRegion?: CountryCode): string | null {
  // Repeated query parameters arrive as arrays whatever the declared type says.
  if (typeof input !== 'string') return null;
  const text = input.trim().replace(/^tel:/i, '');
  if (!PHONE_NOTATION.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  const readings: (PhoneNumber | undefined)[] = [];
  if (text.startsWith('+')) {
    readings.push(parsePhoneNumberFromString('+' + digits));
  } else {
    if (defaultRegion) readings.push(parsePhoneNumberFromString(text, defaultRegion));
    if (!text.startsWith('(')) {
      readings.push(parsePhoneNumberFromString('+' + digits.replace(INTERNATIONAL_PREFIX, '')));
    }
  }
  const best = readings.find((phone) => phone?.isValid()) ?? readings.find((p) => p?.isPossible());
  return best?.number ?? null;
}

/** ISO 3166-1 alpha-2 of an E.164 number; null for non-geographic numbers (+800, +882...). */
export function countryOf(e164: string | null): string | null {
  if (!e164) return null;
  return international(e164.slice(1)).country;
}
