import type { ProviderName } from './call-log.js';

export const UPSTREAM_ERROR_CODES = [
  'upstream_timeout',
  'upstream_unavailable',
  'upstream_rate_limited',
  'upstream_auth',
  'upstream_bad_response',
  'upstream_rejected',
  'circuit_open',
] as const;
export type UpstreamErrorCode = (typeof UPSTREAM_ERROR_CODES)[number];

/**
 * An upstream call that failed, classified. Its message is safe to show a caller: it never
 * carries a credential, a URL with credentials in it, or an upstream body.
 */
export class UpstreamError extends Error {
  constructor(
    readonly provider: ProviderName,
    readonly code: UpstreamErrorCode,
    message: string,
    readonly details: {
      status?: number;
      upstreamCode?: string | number;
      retryAfterMs?: number;
      /** Refused because the caller has spent its share of the provider's limit, not the gateway's. */
      callerShare?: boolean;
    } = {},
  ) {
    super(message);
    this.name = 'UpstreamError';
  }

  /** Whether trying the same request again may succeed. */
  get transient(): boolean {
    return (
      this.code === 'upstream_timeout' ||
      this.code === 'upstream_unavailable' ||
      this.code === 'upstream_rate_limited'
    );
  }
}
