import { describe, expect, it } from '@jest/globals';
import type { CallLog } from '../domain/call-log.js';
import { SystemClock } from '../domain/clock.js';
import { type Decoded, DecodedSlices, decodedBytes } from './decoded-slices.js';
import { encodeSlice } from './slice-codec.js';
import { type RequestContext, runInContext } from '../http/request-context.js';

const clock = new SystemClock();
const slice = (bytes: number): Decoded => ({
  payload: { records: [], rejected: 0 },
  fetchedAt: clock.now(),
  freshUntil: clock.now() + 60_000,
  bytes,
});

describe('DecodedSlices', () => {
  it('keeps at most its bytes of slices, dropping the least recently used', () => {
    const decoded = new DecodedSlices(2_500, clock);
    decoded.remember('a', slice(1_000));
    decoded.remember('b', slice(1_000));
    expect(decoded.fresh('a')).toBeDefined();
    decoded.remember('c', slice(1_000));
    expect(decoded.fresh('b')).toBeUndefined();
    expect(decoded.fresh('a')).toBeDefined();
    expect(decoded.fresh('c')).toBeDefined();
    expect(decoded.bytes).toBe(2_000);
  });

  it('counts a slice it decodes at the heap its encoding decodes to', () => {
    const record = { id: 'cinnox:1', provider: 'cinnox', startedAt: '2026-11-18T10:00:00.000Z' };
    const value = encodeSlice({ records: [record as CallLog], rejected: 0 });
    const decoded = new DecodedSlices(1_000_000, clock);
    const now = clock.now();
    const read = decoded.decode('k', {
      value,
      fetchedAt: now,
      freshUntil: now + 1000,
      staleUntil: now + 2000,
    });
    expect(read.payload.records).toEqual([record]);
    expect(decoded.bytes).toBe(decodedBytes(value.length));
    expect(decodedBytes(value.length)).toBeGreaterThan(2 * value.length);
  });
});

describe('DecodedSlices read by a whole window', () => {
  const context = (wholeWindow: boolean): RequestContext => ({
    requestId: 'r',
    caller: undefined,
    upstreamRequests: 0,
    revalidations: 0,
    wholeWindow,
  });

  it('keeps what a whole-window read decodes for that read alone', () => {
    const decoded = new DecodedSlices(10_000, clock);
    const exporting = context(true);
    runInContext(exporting, () => decoded.remember('a', slice(1_000)));
    expect(decoded.bytes).toBe(0);
    expect(runInContext(exporting, () => decoded.fresh('a'))).toBeDefined();
    expect(runInContext(context(true), () => decoded.fresh('a'))).toBeUndefined();
    expect(runInContext(context(false), () => decoded.fresh('a'))).toBeUndefined();
    expect(decoded.fresh('a')).toBeUndefined();
  });

  it('lets a whole-window read use what every request shares', () => {
    const decoded = new DecodedSlices(10_000, clock);
    decoded.remember('a', slice(1_000));
    expect(runInContext(context(true), () => decoded.fresh('a'))).toBeDefined();
    expect(decoded.bytes).toBe(1_000);
  });
});

describe('DecodedSlices of a whole-window read as it goes', () => {
  const HOUR = 3_600_000;
  const exporting = (): RequestContext => ({
    requestId: 'r',
    caller: undefined,
    upstreamRequests: 0,
    revalidations: 0,
    wholeWindow: true,
  });
  /** The key of the hour-long slice `hour` hours after the epoch, and a slice of `count` calls. */
  const key = (hour: number): string => `v1|cinnox|acme|${hour * HOUR}|${(hour + 1) * HOUR}|`;
  const calls = (count: number): Decoded => ({
    ...slice(1_000),
    payload: { records: Array.from({ length: count }, () => ({}) as CallLog), rejected: 0 },
  });
  const keepHours = (decoded: DecodedSlices, read: RequestContext): void => {
    // Hours 10, 11 and 12, holding 1, 10 and 100 calls.
    runInContext(read, () => {
      decoded.remember(key(10), calls(1));
      decoded.remember(key(11), calls(10));
      decoded.remember(key(12), calls(100));
    });
  };

  it.each([
    // Walking back, at 11:30: hour 12 lies behind the walk.
    ['desc', 11.5, 11],
    // Walking on, at 11:30: hour 10 lies behind it.
    ['asc', 11.5, 110],
    // At the hour's very start, walking back: a call at 11:00 may come yet, so 11 stays.
    ['desc', 11, 11],
    // Walking on from 12:00: hours 10 and 11 hold nothing at or after it.
    ['asc', 12, 100],
  ] as const)(
    'drops, walking %s at hour %d, what lies behind: %d calls held',
    (order, at, held) => {
      const decoded = new DecodedSlices(1_000_000, clock);
      const read = exporting();
      keepHours(decoded, read);
      expect(decoded.wholeWindowRecords).toBe(111);
      decoded.passWholeWindow(read, at * HOUR, order);
      expect(decoded.wholeWindowRecords).toBe(held);
    },
  );

  it('lets go of the set once the read ends, and keeps nothing its fills bring after', () => {
    const decoded = new DecodedSlices(1_000_000, clock);
    const read = exporting();
    keepHours(decoded, read);
    expect(decoded.wholeWindowSets).toBe(1);
    decoded.endWholeWindow(read);
    expect(decoded.wholeWindowSets).toBe(0);
    expect(decoded.wholeWindowRecords).toBe(0);
    runInContext(read, () => decoded.remember(key(13), calls(5)));
    expect(decoded.wholeWindowSets).toBe(0);
    expect(decoded.bytes).toBe(0);
    expect(runInContext(read, () => decoded.fresh(key(13)))).toBeUndefined();
  });
});
