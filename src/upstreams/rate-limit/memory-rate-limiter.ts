import {
  type Attempt,
  type RateLimiterHealth,
  type RateLimiterOptions,
  WaitingRateLimiter,
} from './rate-limiter.js';
import { SlidingLog } from './sliding-log.js';

/** One replica's limiter: the embedded default, exact for a single replica. */
export class MemoryRateLimiter extends WaitingRateLimiter {
  private readonly log: SlidingLog;

  constructor(options: RateLimiterOptions) {
    super(options);
    this.log = new SlidingLog(this.limit.durationMs, this.clock);
  }

  protected attempt(account: string): Promise<Attempt> {
    const outcome = this.log.tryTake(account, this.limit.points);
    return Promise.resolve(outcome.granted ? { granted: true } : outcome);
  }

  health(): RateLimiterHealth {
    return { store: 'memory', status: 'ok' };
  }

  close(): Promise<void> {
    this.lifetime.abort();
    return Promise.resolve();
  }
}
