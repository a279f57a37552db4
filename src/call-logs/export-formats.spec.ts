import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import type { CallLog } from '../domain/call-log.js';
import { CSV_COLUMNS, csvHeader, csvRows } from './export-formats.js';

const record = (fields: Partial<CallLog>): CallLog =>
  ({
    id: 'cinnox:1',
    provider: 'cinnox',
    caller: { number: '+85298765432', isStaff: true },
    callee: { name: null },
    ...fields,
  }) as unknown as CallLog;

describe('CSV rows', () => {
  it('quote what RFC 4180 says they must, and read back as written', () => {
    const awkward = [
      'plain',
      'a, comma',
      'a "quote"',
      'a\r\nline break',
      'a lone\nline feed',
      'a lone\rreturn',
      '',
      ' spaces ',
    ];
    const records = awkward.map((statusRaw, i) => record({ id: `cinnox:${i}`, statusRaw }));
    const text = csvHeader(false) + csvRows(records, false);
    const rows = parse<Record<string, string>>(text, { columns: true });
    expect(rows.map((row) => row.statusRaw)).toEqual(awkward);
    // Quoted only where they must be, the quotes inside doubled.
    for (const field of [',plain,', ',"a, comma",', ',"a ""quote""",', ',"a lone\nline feed",'])
      expect(text).toContain(field);
    expect(text).not.toContain('" spaces "');
  });

  it('write a missing value as empty, a boolean and a number as text, an object as JSON', () => {
    const raw = { a: 'x, "y"', n: [1, 2] };
    const text =
      csvHeader(true) +
      csvRows([record({ durationSeconds: 42, cost: { amount: 0.5, unit: 'credits' }, raw })], true);
    const [row] = parse<Record<string, string>>(text, { columns: true });
    expect(row).toMatchObject({
      id: 'cinnox:1',
      durationSeconds: '42',
      'caller.number': '+85298765432',
      'caller.isStaff': 'true',
      'callee.name': '',
      'callee.location.city': '',
      'cost.amount': '0.5',
      'cost.unit': 'credits',
      raw: JSON.stringify(raw),
    });
    expect(Object.keys(row)).toEqual([...CSV_COLUMNS, 'raw']);
  });
});
