import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { PROVIDERS, type ProviderName } from './call-log.js';
import type { SortOrder } from './slice-planner.js';

/** A place in the page order: a record's start and id. */
export interface Position {
  at: number;
  id: string;
}

/** Where a page ended, and the query it belongs to. */
export interface CursorState {
  sort: SortOrder;
  /** The window, pinned by the first page so that "the last 24 hours" does not move under a walk. */
  since: number;
  until: number;
  /** The last record returned so far; null while no record was returned. */
  after: Position | null;
  /**
   * Providers that failed on an earlier page, with the place they resume from (null: the start of
   * the window), which lies before `after`: their records from there on are still owed.
   */
  behind: Partial<Record<ProviderName, Position | null>>;
  /** Fingerprint of the filters the first page was asked with. */
  filters: string;
}

const VERSION = 2;

type EncodedPosition = [number, string];

/**
 * Cursors are signed, so a changed cursor is refused rather than silently served from another
 * position; they are not encrypted, because nothing in them is secret.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(state: CursorState): string {
    const behind = Object.entries(state.behind).map(([name, position]) =>
      position === null ? [name] : [name, position.at, position.id],
    );
    const payload = Buffer.from(
      JSON.stringify([
        VERSION,
        state.sort,
        state.since,
        state.until,
        state.filters,
        state.after === null ? null : [state.after.at, state.after.id],
        behind,
      ]),
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
    if (!Array.isArray(parsed) || parsed.length !== 7 || parsed[0] !== VERSION) return null;
    const [, sort, since, until, filters, after, behindList] = parsed as unknown[];
    if (
      (sort !== 'asc' && sort !== 'desc') ||
      !Number.isSafeInteger(since) ||
      !Number.isSafeInteger(until) ||
      typeof filters !== 'string' ||
      (after !== null && !isPosition(after)) ||
      !Array.isArray(behindList)
    ) {
      return null;
    }
    const behind: CursorState['behind'] = {};
    for (const entry of behindList as unknown[]) {
      if (!Array.isArray(entry) || !PROVIDERS.includes(entry[0] as ProviderName)) return null;
      const [name, ...position] = entry as [ProviderName, ...unknown[]];
      if (position.length === 0) behind[name] = null;
      else if (isPosition(position)) behind[name] = { at: position[0], id: position[1] };
      else return null;
    }
    return {
      sort,
      since: since as number,
      until: until as number,
      filters,
      after: after === null ? null : { at: after[0], id: after[1] },
      behind,
    };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
}

function isPosition(value: unknown): value is EncodedPosition {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    Number.isSafeInteger(value[0]) &&
    typeof value[1] === 'string'
  );
}

/** A short, stable digest of a query's filters: same filters, same fingerprint. */
export function fingerprint(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
}
