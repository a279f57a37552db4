import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ProviderName } from './call-log.js';
import type { Position } from './keyset.js';
import type { SortOrder } from './slice.js';

/**
 * Where a provider stands in a walk: the place its next record comes after (null: the start of
 * the window), or `done` once the walk has brought all of its records.
 */
export type Place = Position | null | 'done';

/** Where a walk stands, and the query it belongs to. */
export interface CursorState {
  sort: SortOrder;
  /** The window, pinned by the first page so that "the last 24 hours" does not move under a walk. */
  since: number;
  until: number;
  /**
   * Every provider that takes part, with its own place: providers that answered every page share
   * one, and one that failed on a page keeps the place it had, so its records are still owed.
   */
  places: Record<ProviderName, Place>;
  /** Fingerprint of the filters the first page was asked with. */
  filters: string;
}

/** A provider's place; one the cursor does not name is not in the walk (any more). */
export function placeOf(places: CursorState['places'], name: ProviderName): Place {
  return Object.hasOwn(places, name) ? places[name] : 'done';
}

const VERSION = 3;
/** Longer than any id a provider gives; keeps a forged cursor from carrying a large payload. */
const MAX_ID_LENGTH = 300;

/**
 * Cursors are signed, so a changed cursor is refused rather than silently served from another
 * position; they are not encrypted, because nothing in them is secret.
 */
export class CursorCodec {
  constructor(
    private readonly secret: string,
    /** The providers a cursor may name: the gateway's own. */
    private readonly providers: readonly ProviderName[],
  ) {}

  encode(state: CursorState): string {
    const places = Object.entries(state.places).map(([name, place]) =>
      place === null ? [name] : place === 'done' ? [name, 'done'] : [name, place.at, place.id],
    );
    const payload = Buffer.from(
      JSON.stringify([VERSION, state.sort, state.since, state.until, state.filters, places]),
    ).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The state, or null when the token was not made by this codec's key. */
  decode(token: string): CursorState | null {
    const [payload, signature, ...rest] = token.split('.');
    if (payload === undefined || signature === undefined || rest.length > 0) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (!Array.isArray(parsed) || parsed.length !== 6 || parsed[0] !== VERSION) return null;
    const [, sort, since, until, filters, placeList] = parsed as unknown[];
    if (
      (sort !== 'asc' && sort !== 'desc') ||
      !Number.isSafeInteger(since) ||
      !Number.isSafeInteger(until) ||
      typeof filters !== 'string' ||
      !Array.isArray(placeList)
    ) {
      return null;
    }
    const places: CursorState['places'] = {};
    for (const entry of placeList as unknown[]) {
      if (!Array.isArray(entry)) return null;
      const [name, ...place] = entry as unknown[];
      if (
        typeof name !== 'string' ||
        !this.providers.includes(name) ||
        Object.hasOwn(places, name)
      ) {
        return null;
      }
      const decoded = decodePlace(place);
      if (decoded === undefined) return null;
      places[name] = decoded;
    }
    return { sort, since: since as number, until: until as number, filters, places };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
}

function decodePlace(place: unknown[]): Place | undefined {
  if (place.length === 0) return null;
  if (place.length === 1) return place[0] === 'done' ? 'done' : undefined;
  const [at, id] = place;
  if (place.length !== 2 || !Number.isSafeInteger(at) || typeof id !== 'string') return undefined;
  return id.length <= MAX_ID_LENGTH ? { at: at as number, id } : undefined;
}

/** Digests of the filters asked lately: callers repeat theirs, and a digest costs a warm page 3%. */
const recentDigests = new LRUCache<string, string>({ max: 1_000 });

/** A short, stable digest of a query's filters: same filters, same fingerprint. */
export function fingerprint(filters: unknown): string {
  const text = JSON.stringify(filters);
  let digest = recentDigests.get(text);
  if (digest === undefined) {
    digest = createHash('sha256').update(text).digest('base64url').slice(0, 16);
    recentDigests.set(text, digest);
  }
  return digest;
}
