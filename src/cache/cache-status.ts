import type { CacheOutcome } from './cache-observer.js';

/** What the Cache-Status header says of one provider on one page. */
export interface ProviderCacheState {
  provider: string;
  status: 'ok' | 'error' | 'skipped' | 'stale';
  cache?: CacheOutcome | 'none';
  /** Seconds the page's slices stay fresh, the least of them; negative when stale. */
  ttl?: number;
  detail?: string;
}

/**
 * The `Cache-Status` header (RFC 9211), one entry per provider, named `gateway-<provider>`:
 * `hit`; `fwd=miss; stored`; `fwd=miss; collapsed` (filled by a concurrent fetch); `fwd=stale`
 * (served stale while refreshed behind); `fwd=request; stored` (the caller asked to revalidate);
 * `fwd=stale; detail=...` (stale because the upstream failed); with `ttl` when it is known.
 */
export function cacheStatusHeader(states: readonly ProviderCacheState[]): string {
  return states.map(entry).join(', ');
}

function entry(state: ProviderCacheState): string {
  const name = `gateway-${state.provider}`;
  const ttl = state.ttl === undefined ? [] : [`ttl=${state.ttl}`];
  if (state.status === 'skipped') return [name, `detail=${state.detail ?? 'skipped'}`].join('; ');
  if (state.status === 'error')
    return [name, 'fwd=miss', `detail=${state.detail ?? 'error'}`].join('; ');
  switch (state.cache ?? 'none') {
    case 'hit':
      return [name, 'hit', ...ttl].join('; ');
    case 'miss':
      return [name, 'fwd=miss', 'stored', ...ttl].join('; ');
    case 'collapsed':
      return [name, 'fwd=miss', 'collapsed', ...ttl].join('; ');
    case 'stale':
      return [name, 'fwd=stale', ...ttl].join('; ');
    case 'refresh':
      return [name, 'fwd=request', 'stored', ...ttl].join('; ');
    case 'stale-if-error':
      return [name, 'fwd=stale', ...ttl, `detail=${state.detail ?? 'upstream-error'}`].join('; ');
    case 'none':
      return [name, 'detail=no-slices'].join('; ');
  }
}
