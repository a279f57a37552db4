import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from '@jest/globals';
import { mapCinnoxRecord } from '../src/cinnox/cinnox.mapper.js';
import { generateCinnoxRecords } from '../src/cinnox/sandbox/cinnox.dataset.js';
import type { CallLog } from '../src/domain/call-log.js';
import { mapKaleyraRecord } from '../src/kaleyra/kaleyra.mapper.js';
import { generateKaleyraRecords } from '../src/kaleyra/sandbox/kaleyra.dataset.js';
import type { MapResult } from '../src/upstreams/record-mapper.js';

// V8's own answer to whether two objects share a hidden class; the flag only lets code ask it.
setFlagsFromString('--allow-natives-syntax');
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- natives syntax parses only at run time
const sameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
  a: object,
  b: object,
) => boolean;

/** How many hidden classes `objects` have among them. */
function hiddenClasses(objects: readonly object[]): number {
  const seen: object[] = [];
  for (const object of objects) {
    if (!seen.some((known) => sameHiddenClass(known, object))) seen.push(object);
  }
  return seen.length;
}

const now = new Date('2026-11-20T12:00:00Z');
/** Records as they come off the wire: parsed from JSON, as the providers' clients parse them. */
const mapped = (records: readonly object[], map: (raw: unknown) => MapResult): CallLog[] =>
  (JSON.parse(JSON.stringify(records)) as unknown[]).flatMap((raw) => {
    const result = map(raw);
    return result.ok ? [result.record] : [];
  });

/*
 * A day of a busy account holds tens of thousands of records in the heap: a hidden class per record
 * (what V8 gives an object built by spreading another and adding a property) costs hundreds of
 * bytes each.
 */
describe.each([
  ['CINNOX', mapped(generateCinnoxRecords({ now, days: 2 }), mapCinnoxRecord)],
  ['Kaleyra', mapped(generateKaleyraRecords({ now, days: 2 }), mapKaleyraRecord)],
])('records mapped from %s', (_provider, records) => {
  it('share a few hidden classes, however many records there are', () => {
    expect(records.length).toBeGreaterThan(300);
    for (const part of [
      records,
      records.map((record) => record.caller),
      records.map((record) => record.callee),
    ]) {
      expect(hiddenClasses(part)).toBeLessThanOrEqual(3);
    }
  });
});
