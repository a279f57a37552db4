import type { SortOrder } from './slice.js';

/**
 * A place in the page order: a record's start and id. With the id `''` it is a boundary of time
 * instead: no id sorts before `''`, so in either order what lies after `{at, id: ''}` is what starts
 * at or after `at` (oldest first), or before it (newest first).
 */
export interface Position {
  at: number;
  id: string;
}

/** The boundary `edge` of walked time, as a place (see Position). */
export function boundary(edge: number): Position {
  return { at: edge, id: '' };
}

/** Whether a record comes after a place, in the page order. */
export function isAfter(
  order: SortOrder,
  after: Position | null,
): (at: number, id: string) => boolean {
  if (after === null) return () => true;
  return order === 'desc'
    ? (at, id) => at < after.at || (at === after.at && id < after.id)
    : (at, id) => at > after.at || (at === after.at && id > after.id);
}

/** Of two places, the one further along in the page order; null is the start of the window. */
export function furtherOf(
  order: SortOrder,
): (a: Position | null, b: Position | null) => Position | null {
  return (a, b) => {
    if (a === null || b === null) return a ?? b;
    return isAfter(order, a)(b.at, b.id) ? b : a;
  };
}

export function samePlace(a: Position | null, b: Position | null): boolean {
  return a === b || (a !== null && b !== null && a.at === b.at && a.id === b.id);
}

/** Start time, then id, both in the page's direction: a total order, so keyset paging is exact. */
export function comparator(order: SortOrder): (a: Position, b: Position) => number {
  const sign = order === 'desc' ? -1 : 1;
  return (a, b) => sign * (a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Where a walk from a place starts, as a slice planner edge: for newest first the exclusive upper
 * bound of the time still to walk, for oldest first its inclusive lower bound.
 */
export function edgeOf(
  walk: { order: SortOrder; since: number; until: number },
  after: Position | null,
): number {
  if (after === null) return walk.order === 'desc' ? walk.until : walk.since;
  if (walk.order === 'asc') return after.at;
  // A record at `at` is still owed the ids below its own; a boundary owes nothing at `at`.
  return after.id === '' ? after.at : after.at + 1;
}
