import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SortOrder } from './slice-planner.js';

/** Where a page ended, and the query it belongs to. */
export interface CursorState {
  sort: SortOrder;
  /** The window, pinned by the first page so that "the last 24 hours" does not move under a walk. */
  since: number;
  until: number;
  /** The last record returned: its start and id. */
  at: number;
  id: string;
  /** Fingerprint of the filters the first page was asked with. */
  filters: string;
}

const VERSION = 1;

/**
 * Cursors are signed, so a changed cursor is refused rather than silently served from another
 * position; they are not encrypted, because nothing in them is secret.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  encode(state: CursorState): string {
    const payload = Buffer.from(
      JSON.stringify([
        VERSION,
        state.sort,
        state.since,
        state.until,
        state.at,
        state.id,
        state.filters,
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
    const [, sort, since, until, at, id, filters] = parsed as unknown[];
    if (
      (sort !== 'asc' && sort !== 'desc') ||
      !Number.isSafeInteger(since) ||
      !Number.isSafeInteger(until) ||
      !Number.isSafeInteger(at) ||
      typeof id !== 'string' ||
      typeof filters !== 'string'
    ) {
      return null;
    }
    return { sort, since, until, at, id, filters } as CursorState;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
}

/** A short, stable digest of a query's filters: same filters, same fingerprint. */
export function fingerprint(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
}
