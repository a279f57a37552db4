import type { Clock } from '../domain/clock.js';
import { Deadline } from '../domain/deadline.js';
import { InvalidParametersError } from '../http/problem.js';

/** A request's deadline: the configured one, or sooner when the caller's `X-Request-Timeout` asks. */
export function requestDeadline(
  requestTimeout: string | undefined,
  limitMs: number,
  clock: Clock,
): Deadline {
  if (requestTimeout === undefined) return Deadline.after(limitMs, clock);
  if (!/^\d{1,9}$/.test(requestTimeout.trim()) || Number(requestTimeout) < 1) {
    throw InvalidParametersError.of(
      'X-Request-Timeout',
      'X-Request-Timeout must be a whole number of milliseconds, at least 1',
    );
  }
  return Deadline.after(Math.min(Number(requestTimeout), limitMs), clock);
}
