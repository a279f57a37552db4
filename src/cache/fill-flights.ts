import type { Logger } from '@nestjs/common';
import { type Slice, narrowerThan, widerThan } from '../domain/slice.js';
import { UpstreamError } from '../domain/upstream-error.js';
import type { CallLogProvider, Pushdown } from '../upstreams/call-log-provider.js';
import type { CachedSliceResult } from './cached-slice-result.js';
import { sliceKey } from './slice-key.js';

/**
 * The fills under way in this process, one per key, so that concurrent callers here share one
 * without asking the store; and the work done behind the requests (read-ahead, background
 * refreshes, counting calls), which `idle()` waits for.
 */
export class FillFlights {
  private readonly running = new Map<string, Promise<CachedSliceResult>>();
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /** The fill of `key` under way here, if any. */
  get(key: string): Promise<CachedSliceResult> | undefined {
    return this.running.get(key);
  }

  /**
   * One fill per key in this process; the others get its result as `collapsed`. A fill refused
   * because its caller had spent its share of the provider's limit says nothing of the others:
   * they fill for themselves.
   */
  shared(key: string, fill: () => Promise<CachedSliceResult>): Promise<CachedSliceResult> {
    const running = this.running.get(key);
    if (running !== undefined) {
      return running.then(
        (result) => ({ ...result, cache: 'collapsed' as const, upstreamRequests: 0 }),
        (error: unknown) => {
          if (error instanceof UpstreamError && error.details.callerShare === true) return fill();
          throw error;
        },
      );
    }
    const started = fill().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }

  /**
   * Waits for the fills under way here of wider slices this one lies inside (a walk's read-ahead),
   * so that it is composed from them rather than fetched again; true when there were any.
   */
  async widerUnderWay(
    provider: CallLogProvider,
    slice: Slice,
    pushdown: Pushdown,
  ): Promise<boolean> {
    const running = widerThan(slice).flatMap((wider) => {
      const fill = this.running.get(sliceKey(provider, wider, pushdown));
      return fill === undefined ? [] : [fill];
    });
    await Promise.allSettled(running);
    return running.length > 0;
  }

  /** Whether a fill of the slice, of one it lies inside or of one inside it is under way here. */
  overlapping(provider: CallLogProvider, slice: Slice, pushdown: Pushdown): boolean {
    return [slice, ...widerThan(slice), ...narrowerThan(slice)].some((part) =>
      this.running.has(sliceKey(provider, part, pushdown)),
    );
  }

  /** A refresh of `key` behind the request, unless a fill of it is already under way. */
  inBackground(key: string, refresh: () => Promise<CachedSliceResult>): void {
    if (this.running.has(key)) return;
    this.track(this.shared(key, refresh), `Background refresh of ${key}`);
  }

  /** Work behind the requests: `idle()` waits for it, and a failure is logged, not thrown. */
  track(work: Promise<unknown>, what: string): void {
    const task = work.then(
      () => undefined,
      (error: unknown) => {
        this.logger.warn(
          `${what} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    );
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }

  /**
   * Resolves when the fills under way in this process have ended, background refreshes and those
   * whose requests stopped waiting included (tests and shutdown): a fill cut off by the store's
   * closing would leave its lease for the other replicas to wait out.
   */
  async idle(): Promise<void> {
    while (this.background.size > 0 || this.running.size > 0)
      await Promise.allSettled([...this.background, ...this.running.values()]);
  }
}
