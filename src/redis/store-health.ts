/** Whether a store the gateway keeps state in can answer: the cache's, or the rate limiter's. */
export interface StoreHealth {
  store: 'memory' | 'redis';
  status: 'ok' | 'degraded';
  /** Why it is degraded, without credentials. */
  detail?: string;
}
