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
