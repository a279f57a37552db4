import type { Slice } from '../domain/slice.js';
import type { CallLogProvider, Pushdown } from '../upstreams/call-log-provider.js';

/** Bumped whenever the normalized record shape or the encoding changes, so old entries are never read. */
const SCHEMA_VERSION = 1;

/**
 * Canonical: provider, account, slice bounds, the pushdown sorted, and the schema version, so that
 * any query whose window covers the slice with the same pushdown shares the entry.
 */
export function sliceKey(provider: CallLogProvider, slice: Slice, pushdown: Pushdown): string {
  const filters = Object.keys(pushdown)
    .sort()
    .map((name) => `${name}=${encodeURIComponent(pushdown[name])}`)
    .join('&');
  return `v${SCHEMA_VERSION}|${provider.name}|${encodeURIComponent(provider.account)}|${slice.from}|${slice.to}|${filters}`;
}

/** The bounds of the slice a key of `sliceKey` names. */
export function sliceOfKey(key: string): Slice {
  const [, , , from, to] = key.split('|');
  return { from: Number(from), to: Number(to) };
}
