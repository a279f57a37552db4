import type { Clock } from '../../domain/clock.js';

/**
 * The grants of the last window, per key, in this process. A sliding log, not a fixed window: a
 * fixed window (what `RateLimiterMemory` counts) lets a full window's worth through at the end of
 * one window and again at the start of the next, twice the limit within one interval.
 */
export class SlidingLog {
  private readonly grants = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Grants if fewer than `points` grants fall within the last window, and returns the grant's time. */
  tryTake(
    key: string,
    points: number,
  ): { granted: true; at: number } | { granted: false; retryInMs: number } {
    const { log, now } = this.live(key);
    if (log.length < points) return { granted: true, at: this.push(key, log, now) };
    // The slot frees when the grant `points` places back leaves the window.
    return { granted: false, retryInMs: log[log.length - points] + this.windowMs - now };
  }

  /** Counts a grant made elsewhere (by Redis) as this process's own. */
  record(key: string): void {
    const { log, now } = this.live(key);
    this.push(key, log, now);
  }

  /** The grants still within the window. */
  entries(key: string): readonly number[] {
    return [...this.live(key).log];
  }

  keys(): string[] {
    return [...this.grants.keys()];
  }

  clear(): void {
    this.grants.clear();
  }

  /** Takes back a grant `tryTake` made at `at`. */
  forget(key: string, at: number): void {
    const log = this.grants.get(key);
    const index = log?.lastIndexOf(at) ?? -1;
    if (log && index >= 0) log.splice(index, 1);
  }

  private live(key: string): { log: number[]; now: number } {
    const now = this.clock.now();
    const log = this.grants.get(key) ?? [];
    let expired = 0;
    while (expired < log.length && log[expired] <= now - this.windowMs) expired++;
    log.splice(0, expired);
    // Dropping empty logs keeps the map from growing with every account ever seen.
    if (log.length === 0) this.grants.delete(key);
    return { log, now };
  }

  private push(key: string, log: number[], now: number): number {
    // Kept sorted even if the clock steps back, which the pruning relies on.
    const at = Math.max(now, log.at(-1) ?? now);
    log.push(at);
    this.grants.set(key, log);
    return at;
  }
}
