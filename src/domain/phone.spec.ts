import { describe, expect, it } from '@jest/globals';
import type { CountryCode } from 'libphonenumber-js';
import { countryOf, parsePhoneQuery, toE164 } from './phone.js';

describe('toE164 (upstream values)', () => {
  it.each<[unknown, string | null]>([
    [85298765432, '+85298765432'],
    ['+85298765432', '+85298765432'],
    ['85298765432', '+85298765432'],
    ['+852 9876 5432', '+85298765432'],
    ['  +919876543210  ', '+919876543210'],
    ['919876543210', '+919876543210'],
    [13235550142, '+13235550142'],
    ['+1 (323) 555-0142', '+13235550142'],
    ['1-323-555-0142', '+13235550142'],
    ['1.323.555.0142', '+13235550142'],
    // No value, or not a phone number.
    ['', null],
    ['   ', null],
    [null, null],
    [undefined, null],
    ['abc', null],
    ['+', null],
    ['++85298765432', null],
    ['852+98765432', null],
    ['85298765432abc', null],
    ['+852 9876 5432 ext. 5', null],
    ['+1 323 555 0142;ext=5', null],
    // Extensions and short codes are not possible numbers.
    ['1001', null],
    [1001, null],
    // Upstreams always send the country code, so an international prefix is not expected.
    ['0085298765432', null],
    ['+999 1234 5678', null],
    ['+1 323 555 0142 0000 0000', null],
    [85298765432.5, null],
    [-85298765432, null],
    [0, null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    [BigInt(85298765432), null],
    [true, null],
    [{}, null],
    [['+85298765432'], null],
  ])('%p -> %p', (value, expected) => {
    expect(toE164(value)).toBe(expected);
  });
});

describe('parsePhoneQuery (user input)', () => {
  it.each<[string, string | null]>([
    ['+1 (323) 555-0142', '+13235550142'],
    ['+1-323-555-0142', '+13235550142'],
    ['+13235550142', '+13235550142'],
    ['001 323 555 0142', '+13235550142'],
    ['011 1 323 555 0142', '+13235550142'],
    ['tel:+13235550142', '+13235550142'],
    ['TEL:+1-323-555-0142', '+13235550142'],
    ['13235550142', '+13235550142'],
    // An unencoded '+' in a query string arrives as a space.
    [' 1 (323) 555-0142', '+13235550142'],
    ['+852 9876 5432', '+85298765432'],
    ['00852 9876 5432', '+85298765432'],
    ['852 9876 5432', '+85298765432'],
    // National notation needs a region.
    ['(323) 555-0142', null],
    ['0323 555 0142', null],
    // The documented ambiguity: bare digits are country code + number.
    ['3235550142', '+3235550142'],
    ['659 123 4567', '+6591234567'],
    ['', null],
    ['   ', null],
    ['abc', null],
    ['+1 323 555 0142 ext. 7', null],
    ['tel:+13235550142;ext=7', null],
    ['1001', null],
    ['+', null],
    ['1+3235550142', null],
  ])('%p -> %p', (input, expected) => {
    expect(parsePhoneQuery(input)).toBe(expected);
  });

  it.each<[string, CountryCode, string | null]>([
    ['(323) 555-0142', 'US', '+13235550142'],
    ['323-555-0142', 'US', '+13235550142'],
    ['1 323 555 0142', 'US', '+13235550142'],
    ['011 852 9876 5432', 'US', '+85298765432'],
    ['001 323 555 0142', 'US', '+13235550142'],
    ['+852 9876 5432', 'US', '+85298765432'],
    ['9876 5432', 'HK', '+85298765432'],
    // HK allows 11-digit numbers, but +852 1323 5550142 is not a valid one: the US reading is.
    ['13235550142', 'HK', '+13235550142'],
    ['98765 43210', 'IN', '+919876543210'],
    // Not valid (no such area code in the metadata) but possible: still the region's reading.
    ['(659) 123-4567', 'US', '+16591234567'],
    ['00 1 323 555 0142', 'GB', '+13235550142'],
    ['020 7946 0000', 'GB', '+442079460000'],
    // A UK area code, not the North American international prefix.
    ['0113 496 0000', 'GB', '+441134960000'],
    ['011 1 323 555 0142', 'GB', '+13235550142'],
    ['0011 1 323 555 0142', 'AU', '+13235550142'],
    // The region wins when its reading is possible: documented.
    ['13235550142', 'DE', '+4913235550142'],
    ['(323) 555-0142', 'HK', null],
    ['12', 'US', null],
    ['abc', 'US', null],
  ])('%p in %s -> %p', (input, region, expected) => {
    expect(parsePhoneQuery(input, region)).toBe(expected);
  });

  it('refuses a repeated query parameter (an array at run time)', () => {
    expect(parsePhoneQuery(['+13235550142'] as unknown as string)).toBeNull();
  });
});

describe('countryOf', () => {
  it.each<[string | null, string | null]>([
    ['+13235550142', 'US'],
    ['+16135550123', 'CA'],
    ['+85298765432', 'HK'],
    ['+919876543210', 'IN'],
    ['+442079460000', 'GB'],
    ['+6591234567', 'SG'],
    // International freephone: no country.
    ['+80012345678', null],
    ['', null],
    [null, null],
    ['not a number', null],
  ])('%p -> %p', (e164, expected) => {
    expect(countryOf(e164)).toBe(expected);
  });
});
