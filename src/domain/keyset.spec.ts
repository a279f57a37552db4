import { describe, expect, it } from '@jest/globals';
import { boundary, comparator, edgeOf, furtherOf, isAfter } from './keyset.js';

const E = Date.parse('2026-11-20T12:00:00Z');

describe('a boundary of walked time', () => {
  it('newest first: what lies after it started before it', () => {
    const after = isAfter('desc', boundary(E));
    expect(after(E - 1, 'cinnox:z')).toBe(true);
    expect(after(E, 'cinnox:a')).toBe(false);
    expect(after(E + 1, 'cinnox:a')).toBe(false);
  });

  it('oldest first: what lies after it started at it or later', () => {
    const after = isAfter('asc', boundary(E));
    expect(after(E, 'cinnox:a')).toBe(true);
    expect(after(E - 1, 'kaleyra:z')).toBe(false);
  });

  it('is where a walk from it starts, and a record at the same instant is further along', () => {
    const window = { since: E - 10_000, until: E + 10_000 };
    expect(edgeOf({ ...window, order: 'desc' }, boundary(E))).toBe(E);
    expect(edgeOf({ ...window, order: 'desc' }, { at: E, id: 'cinnox:a' })).toBe(E + 1);
    expect(edgeOf({ ...window, order: 'asc' }, boundary(E))).toBe(E);
    expect(edgeOf({ ...window, order: 'desc' }, null)).toBe(window.until);
    expect(furtherOf('asc')(boundary(E), { at: E, id: 'cinnox:a' })).toEqual({
      at: E,
      id: 'cinnox:a',
    });
    expect(furtherOf('desc')(boundary(E), { at: E, id: 'cinnox:a' })).toEqual(boundary(E));
  });

  it('orders records by start, then id, in the page direction', () => {
    const records = [
      { at: E, id: 'kaleyra:b' },
      { at: E - 1, id: 'cinnox:z' },
      { at: E, id: 'cinnox:a' },
    ];
    expect([...records].sort(comparator('desc')).map((r) => r.id)).toEqual([
      'kaleyra:b',
      'cinnox:a',
      'cinnox:z',
    ]);
    expect([...records].sort(comparator('asc')).map((r) => r.id)).toEqual([
      'cinnox:z',
      'cinnox:a',
      'kaleyra:b',
    ]);
  });
});
