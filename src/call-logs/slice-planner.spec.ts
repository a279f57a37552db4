import { describe, expect, it } from '@jest/globals';
import { SLICE_WIDTHS_MS, SlicePlan, nextSlice, type SortOrder } from './slice-planner.js';

const HOUR = 3_600_000;
const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

function walk(
  since: number,
  until: number,
  order: SortOrder,
  widenEvery = 1,
): Array<[string, string]> {
  const plan = new SlicePlan(since, until, order);
  const slices: Array<[string, string]> = [];
  for (let slice = plan.next(), n = 1; slice !== null; slice = plan.next(), n += 1) {
    slices.push([iso(slice.from), iso(slice.to)]);
    if (n % widenEvery === 0) plan.widen();
  }
  return slices;
}

describe('nextSlice', () => {
  it.each([
    // edge, order, level, expected [from, to)
    ['2026-11-20T13:00Z', 'desc', 0, ['2026-11-20T12:00', '2026-11-20T13:00']],
    ['2026-11-20T13:00Z', 'desc', 4, ['2026-11-20T12:00', '2026-11-20T13:00']],
    ['2026-11-20T12:00Z', 'desc', 4, ['2026-11-20T00:00', '2026-11-20T12:00']],
    ['2026-11-20T12:00Z', 'desc', 2, ['2026-11-20T06:00', '2026-11-20T12:00']],
    ['2026-11-20T00:00Z', 'desc', 4, ['2026-11-19T00:00', '2026-11-20T00:00']],
    ['2026-11-20T09:00Z', 'desc', 4, ['2026-11-20T06:00', '2026-11-20T09:00']],
    ['2026-11-20T13:25Z', 'desc', 4, ['2026-11-20T13:00', '2026-11-20T14:00']],
    ['2026-11-20T13:00Z', 'asc', 4, ['2026-11-20T13:00', '2026-11-20T14:00']],
    ['2026-11-20T18:00Z', 'asc', 4, ['2026-11-20T18:00', '2026-11-21T00:00']],
    ['2026-11-20T13:25Z', 'asc', 0, ['2026-11-20T13:00', '2026-11-20T14:00']],
  ] as const)('from %s going %s at level %d is %j', (edge, order, level, expected) => {
    const slice = nextSlice(t(edge), order, level);
    expect([iso(slice.from), iso(slice.to)]).toEqual(expected);
  });

  it('only ever yields slices aligned to their own width', () => {
    for (let edge = t('2026-11-18T00:00Z'); edge < t('2026-11-20T00:00Z'); edge += 20 * 60_000) {
      for (const order of ['asc', 'desc'] as const) {
        for (let level = 0; level < SLICE_WIDTHS_MS.length; level += 1) {
          const { from, to } = nextSlice(edge, order, level);
          const width = to - from;
          expect(SLICE_WIDTHS_MS).toContain(width);
          expect(from % width).toBe(0);
        }
      }
    }
  });
});

describe('SlicePlan', () => {
  it('widens a newest-first walk hour by hour until it can take whole days', () => {
    expect(walk(t('2026-11-18T00:00Z'), t('2026-11-20T14:30Z'), 'desc')).toEqual([
      ['2026-11-20T14:00', '2026-11-20T15:00'],
      ['2026-11-20T13:00', '2026-11-20T14:00'],
      ['2026-11-20T12:00', '2026-11-20T13:00'],
      ['2026-11-20T00:00', '2026-11-20T12:00'],
      ['2026-11-19T00:00', '2026-11-20T00:00'],
      ['2026-11-18T00:00', '2026-11-19T00:00'],
    ]);
  });

  it('walks oldest first the same way', () => {
    expect(walk(t('2026-11-19T22:10Z'), t('2026-11-21T03:00Z'), 'asc')).toEqual([
      ['2026-11-19T22:00', '2026-11-19T23:00'],
      ['2026-11-19T23:00', '2026-11-20T00:00'],
      ['2026-11-20T00:00', '2026-11-20T06:00'],
      ['2026-11-20T06:00', '2026-11-20T12:00'],
      ['2026-11-20T12:00', '2026-11-21T00:00'],
      ['2026-11-21T00:00', '2026-11-22T00:00'],
    ]);
  });

  it.each(['asc', 'desc'] as const)(
    'covers every instant of a window exactly once going %s, however it widens',
    (order) => {
      const since = t('2026-11-08T07:41Z');
      const until = t('2026-11-22T18:05Z');
      for (const widenEvery of [1, 2, 5, 1000]) {
        const slices = walk(since, until, order, widenEvery).map(([a, b]) => [
          t(`${a}Z`),
          t(`${b}Z`),
        ]);
        const sorted = [...slices].sort((x, y) => x[0] - y[0]);
        expect(sorted[0][0]).toBeLessThanOrEqual(since);
        expect(sorted[sorted.length - 1][1]).toBeGreaterThanOrEqual(until);
        for (let i = 1; i < sorted.length; i += 1) expect(sorted[i][0]).toBe(sorted[i - 1][1]);
      }
    },
  );

  it('resumes from a cursor position inside the window', () => {
    const plan = new SlicePlan(
      t('2026-11-19T00:00Z'),
      t('2026-11-21T00:00Z'),
      'desc',
      t('2026-11-20T10:30Z') + 1,
    );
    const first = plan.next();
    expect(first && [iso(first.from), iso(first.to)]).toEqual([
      '2026-11-20T10:00',
      '2026-11-20T11:00',
    ]);
  });

  it('a 14-day window costs at most a few dozen slices even without widening hints', () => {
    const slices = walk(t('2026-11-08T18:05Z'), t('2026-11-22T18:05Z'), 'desc');
    expect(slices.length).toBeLessThanOrEqual(20);
    expect(slices.length * HOUR).toBeGreaterThan(0);
  });
});
