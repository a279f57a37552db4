import { describe, expect, it } from '@jest/globals';
import type { CallLog } from '../domain/call-log.js';
import { HOUR } from '../domain/time.js';
import { slicePieces } from './slice-pieces.js';

const DAY_START = Date.parse('2026-11-18T00:00:00Z');
const record = (at: number, n: number): CallLog =>
  ({ id: `cinnox:${n}`, startedAt: new Date(at).toISOString() }) as CallLog;
/** `count` calls spread evenly over [from, to), newest first as an upstream may give them. */
const calls = (from: number, to: number, count: number, first = 0): CallLog[] =>
  Array.from({ length: count }, (_, i) =>
    record(to - 1 - Math.floor(((to - from) * i) / count), first + i),
  );

describe('slicePieces', () => {
  const wide = { from: DAY_START, to: DAY_START + 12 * HOUR };

  it('keeps a slice of at most the bound whole', () => {
    const records = calls(wide.from, wide.to, 100);
    expect(slicePieces(wide, records, 100)).toEqual([{ slice: wide, records }]);
  });

  it('cuts a larger one into aligned slices, narrower only where calls are dense, each record once and in order', () => {
    // A quiet night, then a busy morning from 08:00.
    const records = [
      ...calls(DAY_START + 8 * HOUR, wide.to, 300, 0),
      ...calls(wide.from, DAY_START + 8 * HOUR, 40, 300),
    ];
    const pieces = slicePieces(wide, records, 100);
    // 00-06 holds 30; 06-09 holds 10 of the night and 75 of the morning; 09-12 holds 75 an hour.
    expect(pieces.map(({ slice }) => (slice.to - slice.from) / HOUR)).toEqual([6, 3, 1, 1, 1]);
    pieces.forEach(({ slice }, i) => {
      expect(slice.from).toBe(i === 0 ? wide.from : pieces[i - 1].slice.to);
      expect(slice.from % (slice.to - slice.from)).toBe(0);
    });
    expect(pieces.every(({ records: held }) => held.length <= 100)).toBe(true);
    for (const { slice, records: held } of pieces) {
      const at = held.map((one) => Date.parse(one.startedAt));
      expect(at.every((t) => t >= slice.from && t < slice.to)).toBe(true);
      // The order the upstream gave, kept within each piece.
      expect(held).toEqual(records.filter((one) => held.includes(one)));
    }
    const all = pieces.flatMap(({ records: held }) => held.map((one) => one.id));
    expect(all.sort()).toEqual(records.map((one) => one.id).sort());
  });

  it('never cuts an hour, however many calls it holds', () => {
    const hour = { from: DAY_START, to: DAY_START + HOUR };
    const records = calls(hour.from, hour.to, 500);
    expect(slicePieces(hour, records, 100)).toEqual([{ slice: hour, records }]);
  });

  it('puts calls a second beyond the bounds in the first and the last piece', () => {
    const before = record(wide.from - 1_000, 1);
    const after = record(wide.to + 500, 2);
    const records = [after, ...calls(wide.from, wide.to, 300, 10), before];
    const pieces = slicePieces(wide, records, 100);
    expect(pieces[0].records).toContain(before);
    expect(pieces.at(-1)?.records).toContain(after);
    expect(pieces.reduce((sum, piece) => sum + piece.records.length, 0)).toBe(records.length);
  });
});
