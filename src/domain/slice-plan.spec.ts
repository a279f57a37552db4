import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_SLICES_PER_ROUND, SlicePlan, slicesAhead } from './slice-plan.js';
import { SLICE_WIDTHS_MS, nextSlice, type SortOrder } from './slice.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
const show = (slices: Array<{ from: number; to: number }>): Array<[string, string]> =>
  slices.map((slice) => [iso(slice.from), iso(slice.to)]);

describe('nextSlice', () => {
  it.each([
    // edge, order, widest allowed, expected [from, to)
    ['2026-11-20T13:00Z', 'desc', HOUR, ['2026-11-20T12:00', '2026-11-20T13:00']],
    ['2026-11-20T13:00Z', 'desc', DAY, ['2026-11-20T12:00', '2026-11-20T13:00']],
    ['2026-11-20T12:00Z', 'desc', DAY, ['2026-11-20T00:00', '2026-11-20T12:00']],
    ['2026-11-20T12:00Z', 'desc', 8 * HOUR, ['2026-11-20T06:00', '2026-11-20T12:00']],
    ['2026-11-20T00:00Z', 'desc', DAY, ['2026-11-19T00:00', '2026-11-20T00:00']],
    ['2026-11-20T09:00Z', 'desc', DAY, ['2026-11-20T06:00', '2026-11-20T09:00']],
    ['2026-11-20T13:25Z', 'desc', DAY, ['2026-11-20T13:00', '2026-11-20T14:00']],
    ['2026-11-20T13:00Z', 'asc', DAY, ['2026-11-20T13:00', '2026-11-20T14:00']],
    ['2026-11-20T18:00Z', 'asc', DAY, ['2026-11-20T18:00', '2026-11-21T00:00']],
    ['2026-11-20T13:25Z', 'asc', HOUR, ['2026-11-20T13:00', '2026-11-20T14:00']],
  ] as const)('from %s going %s, at most %d ms wide, is %j', (edge, order, maxWidth, expected) => {
    expect(show([nextSlice(t(edge), order, maxWidth)])[0]).toEqual(expected);
  });

  it('only ever yields slices aligned to their own width', () => {
    for (let edge = t('2026-11-18T00:00Z'); edge < t('2026-11-20T00:00Z'); edge += 20 * 60_000) {
      for (const order of ['asc', 'desc'] as const) {
        for (const maxWidth of [HOUR, 2 * HOUR, 5 * HOUR, 13 * HOUR, DAY, 7 * DAY]) {
          const { from, to } = nextSlice(edge, order, maxWidth);
          expect(SLICE_WIDTHS_MS).toContain(to - from);
          expect(from % (to - from)).toBe(0);
        }
      }
    }
  });
});

describe('SlicePlan', () => {
  it('takes the widest aligned slice, and runs whole days in parallel', () => {
    const plan = new SlicePlan(t('2026-11-10T00:00Z'), t('2026-11-20T18:00Z'), 'desc');
    expect(show(plan.nextRound(HOUR))).toEqual([['2026-11-20T17:00', '2026-11-20T18:00']]);
    // Alignment allows an hour here, and narrow slices never go in parallel.
    expect(show(plan.nextRound(17 * HOUR))).toEqual([['2026-11-20T16:00', '2026-11-20T17:00']]);
    expect(show(plan.nextRound(17 * HOUR))).toEqual([['2026-11-20T15:00', '2026-11-20T16:00']]);
    expect(show(plan.nextRound(17 * HOUR))).toEqual([['2026-11-20T12:00', '2026-11-20T15:00']]);
    expect(show(plan.nextRound(17 * HOUR))).toEqual([['2026-11-20T00:00', '2026-11-20T12:00']]);
    expect(show(plan.nextRound(3 * DAY))).toEqual([
      ['2026-11-19T00:00', '2026-11-20T00:00'],
      ['2026-11-18T00:00', '2026-11-19T00:00'],
      ['2026-11-17T00:00', '2026-11-18T00:00'],
    ]);
  });

  it('walks oldest first the same way, starting inside the hour of a window that starts off the hour', () => {
    const plan = new SlicePlan(t('2026-11-19T22:10Z'), t('2026-11-21T03:00Z'), 'asc');
    expect(show(plan.nextRound(HOUR))).toEqual([['2026-11-19T22:00', '2026-11-19T23:00']]);
    expect(show(plan.nextRound(DAY))).toEqual([
      ['2026-11-19T23:00', '2026-11-20T00:00'],
      ['2026-11-20T00:00', '2026-11-21T00:00'],
    ]);
  });

  it('stops at the end of the window and never asks for more than a round allows', () => {
    const plan = new SlicePlan(t('2026-11-01T00:00Z'), t('2026-11-20T00:00Z'), 'desc');
    const rounds = [];
    while (!plan.done) rounds.push(plan.nextRound(30 * DAY));
    expect(rounds.map((round) => round.length)).toEqual([
      MAX_SLICES_PER_ROUND,
      MAX_SLICES_PER_ROUND,
      3,
    ]);
    expect(show(rounds[2]).at(-1)).toEqual(['2026-11-01T00:00', '2026-11-02T00:00']);
    expect(plan.nextRound(DAY)).toEqual([]);
  });

  it.each(['asc', 'desc'] as const)(
    'covers every instant of a window exactly once going %s, whatever the spans',
    (order: SortOrder) => {
      const since = t('2026-11-08T07:41Z');
      const until = t('2026-11-22T18:05Z');
      for (const spans of [[HOUR], [HOUR, 7 * HOUR, 2 * DAY], [5 * DAY], [3 * HOUR, HOUR]]) {
        const plan = new SlicePlan(since, until, order);
        const slices = [];
        for (let i = 0; !plan.done; i += 1) slices.push(...plan.nextRound(spans[i % spans.length]));
        const sorted = [...slices].sort((a, b) => a.from - b.from);
        expect(sorted[0].from).toBeLessThanOrEqual(since);
        expect(sorted[sorted.length - 1].to).toBeGreaterThanOrEqual(until);
        for (let i = 1; i < sorted.length; i += 1) expect(sorted[i].from).toBe(sorted[i - 1].to);
      }
    },
  );

  it('resumes from a cursor position inside the window and says how much it covered', () => {
    const start = t('2026-11-20T10:30Z') + 1;
    const plan = new SlicePlan(t('2026-11-19T00:00Z'), t('2026-11-21T00:00Z'), 'desc', start);
    expect(show(plan.nextRound(HOUR))).toEqual([['2026-11-20T10:00', '2026-11-20T11:00']]);
    expect(plan.covered()).toBe(30 * 60_000 + 1);
    expect(plan.position).toBe(t('2026-11-20T10:00Z'));
  });
});

describe('SlicePlan.take', () => {
  it.each(['asc', 'desc'] as const)(
    'joins a fine first slice to the hour slices in one round, covering the window once going %s',
    (order: SortOrder) => {
      const since = t('2026-11-18T00:00Z');
      const until = t('2026-11-18T06:23Z');
      const start = order === 'desc' ? until : t('2026-11-18T03:37Z');
      const plan = new SlicePlan(since, until, order, start);
      const first =
        order === 'desc'
          ? { from: t('2026-11-18T06:20Z'), to: t('2026-11-18T06:25Z') }
          : { from: t('2026-11-18T03:35Z'), to: t('2026-11-18T03:40Z') };
      const slices = [...plan.take(first)];
      const second = plan.nextRound(HOUR);
      expect(show(second)).toEqual(
        order === 'desc'
          ? [
              ['2026-11-18T06:15', '2026-11-18T06:20'],
              ['2026-11-18T06:00', '2026-11-18T06:15'],
              ['2026-11-18T05:00', '2026-11-18T06:00'],
            ]
          : [
              ['2026-11-18T03:40', '2026-11-18T03:45'],
              ['2026-11-18T03:45', '2026-11-18T04:00'],
              ['2026-11-18T04:00', '2026-11-18T05:00'],
            ],
      );
      slices.push(...second);
      while (!plan.done) slices.push(...plan.nextRound(DAY));
      const sorted = [...slices].sort((a, b) => a.from - b.from);
      for (let i = 1; i < sorted.length; i += 1) expect(sorted[i].from).toBe(sorted[i - 1].to);
      expect(sorted[0].from).toBeLessThanOrEqual(order === 'desc' ? since : start);
      expect(sorted.at(-1)!.to).toBeGreaterThanOrEqual(order === 'desc' ? until : until);
    },
  );

  it('takes the rest of the window in one slice, and is then done', () => {
    const plan = new SlicePlan(t('2026-11-21T18:00Z'), t('2026-11-22T18:00Z'), 'desc');
    const rest = { from: t('2026-11-21T18:00Z'), to: t('2026-11-22T18:00Z') };
    expect(plan.take(rest)).toEqual([rest]);
    expect(plan.done).toBe(true);
    expect(plan.nextRound(DAY)).toEqual([]);
  });

  it('refuses a slice that does not start the walk, or that others could not join', () => {
    const plan = new SlicePlan(t('2026-11-21T00:00Z'), t('2026-11-22T00:00Z'), 'desc');
    const away = { from: t('2026-11-21T10:00Z'), to: t('2026-11-21T11:00Z') };
    expect(() => plan.take(away)).toThrow(RangeError);
    const ragged = { from: t('2026-11-21T23:58Z'), to: t('2026-11-22T00:00Z') };
    expect(() => plan.take(ragged)).toThrow(RangeError);
    plan.nextRound(HOUR);
    const late = { from: t('2026-11-21T22:00Z'), to: t('2026-11-21T23:00Z') };
    expect(() => plan.take(late)).toThrow(RangeError);
  });
});

describe('SlicePlan terminates', () => {
  const windows = fc.record({
    since: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2030, 0, 1) }),
    length: fc.oneof(
      fc.constantFrom(0, 1, 2, HOUR - 1, HOUR, HOUR + 1, DAY, 31 * DAY),
      fc.integer({ min: 0, max: 31 * DAY }),
    ),
    order: fc.constantFrom<SortOrder>('asc', 'desc'),
    start: fc.option(fc.integer({ min: -2 * DAY, max: 33 * DAY }), { nil: undefined }),
    spans: fc.array(
      fc.oneof(
        fc.double({ noNaN: false }),
        fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, HOUR, 40 * DAY),
      ),
      { maxLength: 50 },
    ),
  });

  it('walks any window, from any start, in at most one round per hour plus one, covering it once', () => {
    fc.assert(
      fc.property(windows, ({ since, length, order, start, spans }) => {
        const until = since + length;
        const plan = new SlicePlan(
          since,
          until,
          order,
          start === undefined ? undefined : since + start,
        );
        const budget = Math.ceil(length / HOUR) + 2;
        const slices: Array<{ from: number; to: number }> = [];
        let rounds = 0;
        let emptyRound = false;
        while (!plan.done && rounds <= budget) {
          const round = plan.nextRound(spans[rounds % Math.max(spans.length, 1)] ?? HOUR);
          emptyRound ||= round.length === 0;
          slices.push(...round);
          rounds += 1;
        }
        expect(emptyRound).toBe(false);
        expect(rounds).toBeLessThanOrEqual(budget);
        // Contiguous, aligned, each a planner width, and reaching the far end of the window.
        const misfits = slices.filter((slice, i) => {
          const width = slice.to - slice.from;
          const previous = slices[i - 1];
          const joined =
            previous === undefined ||
            (order === 'desc' ? slice.to === previous.from : slice.from === previous.to);
          return !SLICE_WIDTHS_MS.some((w) => w === width) || slice.from % width !== 0 || !joined;
        });
        expect(misfits).toEqual([]);
        const last = slices.at(-1);
        if (last !== undefined) {
          if (order === 'desc') expect(last.from).toBeLessThanOrEqual(since);
          else expect(last.to).toBeGreaterThanOrEqual(until);
        }
      }),
      { seed: 20261202, numRuns: 1_000 },
    );
  });

  it('refuses a window that is not two whole numbers, instead of walking it forever', () => {
    expect(() => new SlicePlan(Number.NaN, 0, 'desc')).toThrow(RangeError);
    expect(() => new SlicePlan(0, Number.POSITIVE_INFINITY, 'asc')).toThrow(RangeError);
    expect(() => new SlicePlan(0, HOUR, 'asc', Number.NaN)).toThrow(RangeError);
  });
});

describe('slicesAhead', () => {
  const day = { since: t('2026-11-17T18:00Z'), until: t('2026-11-18T18:00Z') };

  it('goes on from the edge in the widest aligned slices it allows, until they cover the span', () => {
    expect(show(slicesAhead(day, t('2026-11-18T17:00Z'), 'desc', 11 * HOUR, 6 * HOUR))).toEqual([
      ['2026-11-18T16:00', '2026-11-18T17:00'],
      ['2026-11-18T15:00', '2026-11-18T16:00'],
      ['2026-11-18T12:00', '2026-11-18T15:00'],
      ['2026-11-18T06:00', '2026-11-18T12:00'],
    ]);
    expect(show(slicesAhead(day, t('2026-11-17T18:00Z'), 'asc', 7 * HOUR, 6 * HOUR))).toEqual([
      ['2026-11-17T18:00', '2026-11-18T00:00'],
      ['2026-11-18T00:00', '2026-11-18T06:00'],
    ]);
  });

  it('stops at the window’s end and never asks for whole hours beyond it', () => {
    const window = { since: t('2026-11-18T04:30Z'), until: t('2026-11-18T18:00Z') };
    expect(show(slicesAhead(window, t('2026-11-18T12:00Z'), 'desc', DAY, 6 * HOUR))).toEqual([
      ['2026-11-18T06:00', '2026-11-18T12:00'],
      ['2026-11-18T05:00', '2026-11-18T06:00'],
      ['2026-11-18T04:00', '2026-11-18T05:00'],
    ]);
    expect(slicesAhead(window, window.since, 'desc', DAY, 6 * HOUR)).toEqual([]);
    expect(slicesAhead(window, window.until, 'asc', DAY, 6 * HOUR)).toEqual([]);
    expect(slicesAhead(window, t('2026-11-18T12:00Z'), 'desc', 0, 6 * HOUR)).toEqual([]);
  });

  it('tiles the time it covers with aligned slices, each inside the window’s hours', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 * DAY }),
        fc.integer({ min: 1, max: 4 * DAY }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom<SortOrder>('asc', 'desc'),
        fc.integer({ min: 0, max: 3 * DAY }),
        fc.constantFrom(HOUR, 3 * HOUR, 6 * HOUR, DAY),
        (offset, length, where, order, span, maxWidth) => {
          const since = t('2026-11-10T00:00Z') + offset;
          const window = { since, until: since + length };
          const edge = Math.round(since + where * length);
          const slices = slicesAhead(window, edge, order, span, maxWidth);
          let at = edge;
          for (const slice of slices) {
            const width = slice.to - slice.from;
            expect(SLICE_WIDTHS_MS).toContain(width);
            expect(width <= Math.max(maxWidth, HOUR)).toBe(true);
            expect(slice.from % width).toBe(0);
            expect(slice.from).toBeGreaterThanOrEqual(Math.floor(window.since / HOUR) * HOUR);
            expect(slice.to).toBeLessThanOrEqual(Math.ceil(window.until / HOUR) * HOUR);
            // Each slice starts where the one before ended (the first: at the edge, or holds it).
            if (order === 'desc') expect(slice.from < at && slice.to >= at).toBe(true);
            else expect(slice.from <= at && slice.to > at).toBe(true);
            at = order === 'desc' ? slice.from : slice.to;
          }
        },
      ),
    );
  });
});
