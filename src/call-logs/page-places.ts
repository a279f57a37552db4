import type { ProviderName } from '../domain/call-log.js';
import { type CursorCodec, type CursorState, type Place, placeOf } from '../domain/cursor.js';
import { furtherOf, samePlace } from '../domain/keyset.js';
import type { ResolvedQuery } from './call-log-query.js';
import type { Run } from './provider-run.js';

/**
 * Where every provider taking part stands after a page: those that answered at `reach` (or
 * further, if they were ahead), those that failed where they were. `no-progress` when that is
 * where they all stood before: a cursor is never handed out twice.
 */
export function placesAfter(
  runs: readonly Run[],
  answered: readonly Run[],
  reach: Place,
  query: ResolvedQuery,
): CursorState['places'] | 'no-progress' {
  const further = furtherOf(query.order);
  const places: CursorState['places'] = {};
  for (const run of runs) {
    const name = run.meta.provider;
    if (run.meta.reason === 'done') places[name] = 'done';
    if (run.provider === undefined || run.meta.status === 'skipped') continue;
    if (!answered.includes(run)) places[name] = run.after;
    else places[name] = reach === 'done' ? 'done' : further(run.after, reach);
  }
  const moved = Object.keys(places).some(
    (name) =>
      !sameStanding(
        placeOf(places, name),
        query.places === null ? null : placeOf(query.places, name),
      ),
  );
  const open = Object.values(places).some((place) => place !== 'done');
  return open && !moved && reach !== 'done' ? 'no-progress' : places;
}

/**
 * `nextCursor` while a provider that answered has more; once none has, `resumeCursor` when a
 * provider that failed still owes records: followed later, it brings exactly those.
 */
export function cursorsOf(
  codec: CursorCodec,
  query: ResolvedQuery,
  places: CursorState['places'],
  answered: readonly Run[],
): { nextCursor: string | null; resumeCursor: string | null } {
  const pending = (name: ProviderName): boolean => placeOf(places, name) !== 'done';
  if (!Object.keys(places).some(pending)) return { nextCursor: null, resumeCursor: null };
  const cursor = codec.encode({
    sort: query.order,
    since: query.since,
    until: query.until,
    places,
    filters: query.fingerprint,
  });
  return answered.some((run) => pending(run.meta.provider))
    ? { nextCursor: cursor, resumeCursor: null }
    : { nextCursor: null, resumeCursor: cursor };
}

function sameStanding(a: Place, b: Place): boolean {
  if (a === 'done' || b === 'done') return a === b;
  return samePlace(a, b);
}

/**
 * The cursor of where `query` starts: its own places, or on a first page every provider it asks at
 * the start of the window. Followed, it brings every record from there on.
 */
export function cursorAt(codec: CursorCodec, query: ResolvedQuery): string {
  const places =
    query.places ?? Object.fromEntries(query.filters.providers.map((name) => [name, null]));
  return codec.encode({
    sort: query.order,
    since: query.since,
    until: query.until,
    places,
    filters: query.fingerprint,
  });
}
