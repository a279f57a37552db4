import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { CallLog } from '../domain/call-log.js';
import { type MapResult } from './record-mapper.js';
import { SliceCollector, requestBounds } from './slice-collector.js';

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

describe('SliceCollector', () => {
  // A record maps when it has an id; any other is refused, as a mapper refuses a record without one.
  const map = (raw: unknown): MapResult => {
    const { id, at } = raw as { id?: string; at: string };
    return id === undefined
      ? { ok: false, reason: 'record has no id' }
      : { ok: true, record: { id, startedAt: at } as CallLog };
  };
  const slice = { from: t('2026-11-20T10:00:00Z'), to: t('2026-11-20T11:00:00Z') };
  const quiet = new Logger('test');
  quiet.warn = () => undefined;

  it('counts a page of records it cannot normalize as new, and the same page again as not', () => {
    const collector = new SliceCollector(slice, map, quiet);
    const bad = [
      { at: '2026-11-20T10:01:00Z', n: 1 },
      { at: '2026-11-20T10:02:00Z', n: 2 },
    ];
    expect(collector.addPage([{ id: 'a', at: '2026-11-20T10:00:30Z' }])).toBe(1);
    expect(collector.addPage(bad)).toBe(2);
    expect(collector.addPage(bad)).toBe(0);
    expect(collector.addPage([{ id: 'a', at: '2026-11-20T10:00:30Z' }])).toBe(0);
    expect(collector.result()).toMatchObject({ upstreamRequests: 4, rejected: 4 });
    expect(collector.result().records.map((record) => record.id)).toEqual(['a']);
  });
});
