import { ProblemError } from '../http/problem.js';

/** A caller over its limits: 429, with when to try again and the limit's headers. */
export class RateLimitedError extends ProblemError {
  constructor(
    detail: string,
    private readonly retryAfterSeconds: number,
    private readonly limitHeaders: Record<string, string>,
  ) {
    super(detail);
    this.name = 'RateLimitedError';
  }

  problem(): ReturnType<ProblemError['problem']> {
    return {
      type: '/problems/rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: this.message,
    };
  }

  override headers(): Record<string, string> {
    return { ...this.limitHeaders, 'retry-after': String(this.retryAfterSeconds) };
  }
}
