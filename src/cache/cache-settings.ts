/** How the slice cache keeps slices, and where. */
export abstract class CacheSettings {
  /** The shared store; without it, the cache lives in the process. */
  abstract readonly redisUrl: string | undefined;
  /** Start of every key; replicas sharing a cache share it. */
  abstract readonly prefix: string;
  /** A slice that ended this recently may still gain calls. */
  abstract readonly settleMs: number;
  /** Freshness of such a slice. */
  abstract readonly freshTtlMs: number;
  /** Freshness of an older slice. */
  abstract readonly closedTtlMs: number;
  /** How long past its freshness a slice may still be served stale. */
  abstract readonly staleTtlMs: number;
  /** Lease of a slice's fill lock. */
  abstract readonly leaseMs: number;
  /** How long a request waits for another replica's fill. */
  abstract readonly waitTimeoutMs: number;
  /** Bytes the in-process store holds, when there is no shared one. */
  abstract readonly storeMaxBytes: number;
  /** Timeout of every Redis call. */
  abstract readonly redisTimeoutMs: number;
  /** Heap bytes of the decoded slices each replica keeps. */
  abstract readonly decodedMaxBytes: number;
  /** Deadline of a fill, which every caller that wants the slice shares. */
  abstract readonly fillDeadlineMs: number;
}
