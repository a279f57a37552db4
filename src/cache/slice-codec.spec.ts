import { describe, expect, it } from '@jest/globals';
import type { CallLog } from '../domain/call-log.js';
import { decodeSlice, encodeSlice, type SlicePayload } from './slice-codec.js';

function payload(records: number, tag: string): SlicePayload {
  return {
    records: Array.from(
      { length: records },
      (_, i) =>
        ({
          id: `cinnox:${tag}-${i}`,
          startedAt: new Date(Date.UTC(2026, 10, 18, 0, 0, i)).toISOString(),
          raw: { callID: `${tag}-${i}`, note: 'x'.repeat(200) },
        }) as unknown as CallLog,
    ),
    rejected: records % 7,
  };
}

describe('slice codec', () => {
  it('decodes what it encoded', () => {
    const slice = payload(500, 'a');
    expect(decodeSlice(encodeSlice(slice))).toEqual(slice);
  });

  it('gives each slice a buffer of its own size, whatever it encoded before', () => {
    const large = encodeSlice(payload(20_000, 'large'));
    const small = encodeSlice(payload(3, 'small'));
    // A stored slice holds its buffer: a view into a larger one would hold all of it.
    for (const value of [large, small]) {
      expect(value.byteOffset).toBe(0);
      expect(value.buffer.byteLength).toBe(value.length);
    }
  });

  it('leaves a slice it encoded untouched by the ones after it', () => {
    const first = payload(50, 'first');
    const encoded = encodeSlice(first);
    for (let i = 0; i < 5; i += 1) encodeSlice(payload(50, `later-${i}`));
    expect(decodeSlice(encoded)).toEqual(first);
  });
});
