import { describe, expect, it } from '@jest/globals';
import { requestBounds } from './slice-collector.js';

const t = (iso: string): number => Date.parse(iso);

describe('requestBounds', () => {
  const now = t('2026-11-20T13:25:00Z');

  it.each([
    [
      'a past slice: a second more on each side',
      '2026-11-20T10:00:00Z',
      '2026-11-20T11:00:00Z',
      ['2026-11-20T09:59:59.000Z', '2026-11-20T11:00:01.000Z'],
    ],
    [
      'the slice holding now: its end kept a minute past now',
      '2026-11-20T13:00:00Z',
      '2026-11-20T14:00:00Z',
      ['2026-11-20T12:59:59.000Z', '2026-11-20T13:26:00.000Z'],
    ],
    ['a slice in the future: nothing to ask', '2026-11-20T14:00:00Z', '2026-11-20T15:00:00Z', null],
  ])('%s', (_name, from, to, expected) => {
    const bounds = requestBounds({ from: t(from), to: t(to) }, now);
    expect(
      bounds && [new Date(bounds.from).toISOString(), new Date(bounds.to).toISOString()],
    ).toEqual(expected);
  });
});
