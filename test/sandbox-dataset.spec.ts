import { describe, expect, it } from '@jest/globals';
import { generateCinnoxRecords } from '../src/cinnox/sandbox/cinnox.dataset.js';
import { CINNOX_STATUSES, type CinnoxCallRecord } from '../src/cinnox/cinnox.types.js';
import { generateKaleyraRecords } from '../src/kaleyra/sandbox/kaleyra.dataset.js';
import { KALEYRA_STATUSES, type KaleyraCallRecord } from '../src/kaleyra/kaleyra.types.js';
import type { DatasetOptions } from '../src/sandbox/call-volume.js';
import { parseInstant } from '../src/domain/time.js';

/** Both simulators' data sets, as they are generated for one seed and instant. */
const generateDataset = (options: DatasetOptions) => ({
  cinnox: generateCinnoxRecords(options),
  kaleyra: generateKaleyraRecords(options),
});

const now = new Date('2026-11-20T12:00:00Z');
const { cinnox, kaleyra } = generateDataset({ now });
const DAY = 86_400_000;

function tally<T>(items: readonly T[], key: (item: T) => unknown): Map<unknown, number> {
  const counts = new Map<unknown, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

const cinnoxStart = (r: CinnoxCallRecord): number | null =>
  parseInstant(r.callDate, { requireOffset: true });
const kaleyraStart = (r: KaleyraCallRecord): number | null =>
  parseInstant(r.start_time, { requireOffset: false });
const kaleyraId = (r: KaleyraCallRecord): string | undefined => r.id ?? r.call_id;
const cinnoxNumbers = cinnox.flatMap((r) => [
  r.virtualNumber,
  r.callerInfo?.phoneNumber,
  r.calleeInfo?.phoneNumber,
]);

describe('generateDataset', () => {
  it('gives the same data for the same seed and now, and other data for another seed', () => {
    expect(generateDataset({ now })).toEqual({ cinnox, kaleyra });
    const other = generateDataset({ now, seed: 7 });
    expect(other.cinnox[0].callID).not.toBe(cinnox[0].callID);
    expect(kaleyraId(other.kaleyra[0])).not.toBe(kaleyraId(kaleyra[0]));
  });

  it('gives an hour the same calls whatever instant the data set is anchored at', () => {
    const later = generateDataset({ now: new Date(now.getTime() + 5 * 3_600_000 + 1234) });
    const overlap = (records: CinnoxCallRecord[]): CinnoxCallRecord[] =>
      records.filter((r) => {
        const at = cinnoxStart(r) ?? 0;
        return at >= now.getTime() - 13 * DAY && at < now.getTime();
      });
    expect(overlap(later.cinnox)).toEqual(overlap(cinnox));
    expect(overlap(cinnox).length).toBeGreaterThan(1000);
    const kaleyraIds = (records: KaleyraCallRecord[]): string[] =>
      records
        .filter(
          (r) =>
            (kaleyraStart(r) ?? 0) < now.getTime() &&
            (kaleyraStart(r) ?? 0) >= now.getTime() - 13 * DAY,
        )
        .map((r) => kaleyraId(r) ?? '');
    expect(kaleyraIds(later.kaleyra)).toEqual(kaleyraIds(kaleyra));
  });

  it('holds thousands of calls per provider, all within [now - 14 days, now)', () => {
    const from = now.getTime() - 14 * DAY;
    for (const starts of [cinnox.map(cinnoxStart), kaleyra.map(kaleyraStart)]) {
      expect(starts.length).toBeGreaterThan(2000);
      expect(starts.every((at) => at !== null && at >= from && at < now.getTime())).toBe(true);
    }
  });

  it('scales with days and callsPerDay', () => {
    const small = generateDataset({ now, days: 2, callsPerDay: 20 });
    expect(small.cinnox.length).toBeGreaterThan(0);
    expect(small.cinnox.length).toBeLessThan(60);
  });

  it('uses every published status many times, and a few unpublished ones', () => {
    const cinnoxCounts = tally(cinnox, (r) => r.status);
    const kaleyraCounts = tally(kaleyra, (r) => r.status);
    for (const status of CINNOX_STATUSES) expect(cinnoxCounts.get(status)).toBeGreaterThan(50);
    for (const status of KALEYRA_STATUSES) expect(kaleyraCounts.get(status)).toBeGreaterThan(20);

    const strangers = (counts: Map<unknown, number>, known: readonly string[]): unknown[] =>
      [...counts.keys()].filter((status) => !known.some((k) => k === status));
    expect(strangers(cinnoxCounts, CINNOX_STATUSES).length).toBeGreaterThan(0);
    const unknownTokens = strangers(kaleyraCounts, KALEYRA_STATUSES);
    expect(unknownTokens).toContain('NEW_STATUS_X');
    expect(unknownTokens.every((s) => typeof s === 'string' && /^[A-Z_]+$/.test(s))).toBe(true);
  });

  it('gives every call unique ids', () => {
    for (const key of ['callID', 'hid', 'roomID'] as const) {
      expect(new Set(cinnox.map((r) => r[key])).size).toBe(cinnox.length);
    }
    const ids = kaleyra.map(kaleyraId);
    expect(new Set(ids).size).toBe(kaleyra.length);
    expect(ids.every((id) => /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-\d$/.test(id ?? ''))).toBe(
      true,
    );
  });

  it('is busy in business hours and has quiet hours with no calls', () => {
    const perHour = tally(kaleyra, (r) => Math.floor((kaleyraStart(r) ?? 0) / 3_600_000));
    const first = Math.floor((now.getTime() - 14 * DAY) / 3_600_000);
    const hours = Array.from({ length: 14 * 24 }, (_, i) => perHour.get(first + i) ?? 0);
    expect(hours.filter((n) => n === 0).length).toBeGreaterThan(24);
    expect(Math.max(...hours)).toBeGreaterThan(15);

    // 2026-11-14 is a Saturday and 2026-11-18 a Wednesday.
    const perDay = tally(cinnox, (r) => new Date(cinnoxStart(r) ?? 0).toISOString().slice(0, 10));
    expect((perDay.get('2026-11-14') ?? 0) * 3).toBeLessThan(perDay.get('2026-11-18') ?? 0);
  });

  it('mixes directions, media and call types', () => {
    const staffing = tally(cinnox, (r) => `${r.callerInfo?.isStaff}/${r.calleeInfo?.isStaff}`);
    for (const combo of ['false/true', 'true/false', 'true/true', 'false/false']) {
      expect(staffing.get(combo)).toBeGreaterThan(20);
    }
    expect([...tally(cinnox, (r) => r.mediaType).keys()].sort()).toEqual(['audio', 'video']);
    expect([...tally(cinnox, (r) => r.type).keys()].sort()).toEqual(['call', 'conference']);
    expect([...tally(kaleyra, (r) => r.call_type ?? r.type).keys()].sort()).toEqual([
      'Incoming',
      'Outgoing',
    ]);
  });

  it('has the odd but legal CINNOX values', () => {
    const count = <T>(items: readonly T[], test: (item: T) => boolean): number =>
      items.filter(test).length;
    expect(count(cinnoxNumbers, (n) => typeof n === 'number')).toBeGreaterThan(3);
    expect(count(cinnoxNumbers, (n) => typeof n === 'string' && n.startsWith('+'))).toBeGreaterThan(
      3,
    );
    expect(count(cinnoxNumbers, (n) => typeof n === 'string' && /^\d+$/.test(n))).toBeGreaterThan(
      3,
    );
    expect(count(cinnoxNumbers, (n) => n === '')).toBeGreaterThan(3);

    const locations = cinnox.map((r) => r.calleeInfo?.ipLocDetail);
    expect(count(locations, (l) => l === undefined)).toBeGreaterThan(3);
    expect(
      count(locations, (l) => l !== undefined && Object.values(l).every((v) => v === '')),
    ).toBeGreaterThan(3);

    expect(count(cinnox, (r) => r.callDate?.endsWith('+08:00') === true)).toBeGreaterThan(3);
    expect(count(cinnox, (r) => /\.\d{3}(Z|[+-])/.test(r.callDate ?? ''))).toBeGreaterThan(3);
    expect(count(cinnox, (r) => r.callEndTime?.endsWith('+08:00') === true)).toBeGreaterThan(3);
    expect(cinnox.filter((r) => r.status !== 'Call Ended').every((r) => r.callDuration === 0)).toBe(
      true,
    );

    const parties = cinnox.flatMap((r) => [r.callerInfo, r.calleeInfo]);
    expect(count(parties, (p) => p?.displayName === '')).toBeGreaterThan(3);
    expect(count(parties, (p) => p?.isStaff === true && p.eid === '')).toBeGreaterThan(3);
    expect(count(parties, (p) => /[^\u0020-\u007e]/.test(p?.displayName ?? ''))).toBeGreaterThan(3);
  });

  it('has the odd but legal Kaleyra values, some under alias names', () => {
    const count = (test: (r: KaleyraCallRecord) => boolean): number => kaleyra.filter(test).length;
    expect(count((r) => r.start_time?.endsWith('+00:00') === true)).toBeGreaterThan(3);
    expect(count((r) => r.start_time?.endsWith('+05:30') === true)).toBeGreaterThan(3);
    expect(count((r) => /T\d\d:\d\d:\d\d$/.test(r.start_time ?? ''))).toBeGreaterThan(3);
    expect(count((r) => typeof (r.billsec ?? r.duration) === 'string')).toBeGreaterThan(3);
    expect(count((r) => /^\d+\.\d\d$/.test(String(r.credits ?? r.cost)))).toBeGreaterThan(3);
    expect(count((r) => String(r.caller ?? r.from).startsWith('+'))).toBeGreaterThan(3);
    expect(count((r) => /^\d+$/.test(String(r.caller ?? r.from)))).toBeGreaterThan(3);

    const aliased = kaleyra.filter((r) => r.id === undefined);
    expect(aliased.length / kaleyra.length).toBeGreaterThan(0.03);
    expect(aliased.length / kaleyra.length).toBeLessThan(0.08);
    for (const r of aliased) {
      expect(Object.keys(r).sort()).toEqual([
        'bridge',
        'call_id',
        'cost',
        'duration',
        'end_time',
        'from',
        'ringtime',
        'start_time',
        'status',
        'to',
        'type',
      ]);
    }
  });

  it('reuses a small pool of numbers in several countries, plus a few bridges', () => {
    const callers = tally(kaleyra, (r) => String(r.caller ?? r.from).replace('+', ''));
    expect(callers.size).toBeLessThan(20);
    expect(Math.max(...callers.values())).toBeGreaterThan(50);
    const customers = [...callers.keys()].map(String);
    for (const prefix of ['852', '1', '91', '44', '65']) {
      expect(customers.some((n) => n.startsWith(prefix))).toBe(true);
    }
    const bridges = tally(kaleyra, (r) => String(r.bridge).replace('+', ''));
    expect(bridges.size).toBeGreaterThan(1);
    expect(bridges.size).toBeLessThan(6);
  });

  it('holds no broken records', () => {
    const brokenCinnox = cinnox.filter(
      (r) =>
        typeof r.callID !== 'string' ||
        cinnoxStart(r) === null ||
        typeof r.callDuration !== 'number' ||
        typeof r.callerInfo?.isStaff !== 'boolean' ||
        typeof r.calleeInfo?.isStaff !== 'boolean',
    );
    const brokenKaleyra = kaleyra.filter(
      (r) =>
        typeof kaleyraId(r) !== 'string' ||
        kaleyraStart(r) === null ||
        parseInstant(r.end_time, { requireOffset: false }) === null ||
        Number.isNaN(Number(r.billsec ?? r.duration)) ||
        Number.isNaN(Number(r.credits ?? r.cost)),
    );
    expect(brokenCinnox).toEqual([]);
    expect(brokenKaleyra).toEqual([]);
  });
});
