/** What a caller may do beyond reading call logs. */
export const SCOPES = ['raw', 'refresh', 'metrics'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling, once authenticated, and what the gateway allows them. */
export interface Caller {
  /** The identity in logs and metrics: an API key's name, a token's subject. */
  name: string;
  scopes: ReadonlySet<Scope>;
  /** Cost units a minute, across every replica; 0: no limit. */
  ratePerMinute: number;
  /** Requests in flight at once, on each replica; 0: no limit. */
  maxConcurrent: number;
}

/** Without authentication (`AUTH_MODE=none`) there is one caller, allowed everything, unlimited. */
export const ANONYMOUS: Caller = {
  name: 'anonymous',
  scopes: new Set(SCOPES),
  ratePerMinute: 0,
  maxConcurrent: 0,
};
