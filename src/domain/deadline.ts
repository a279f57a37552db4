import { setMaxListeners } from 'node:events';
import { type Clock, SystemClock } from './clock.js';

const SYSTEM_CLOCK = new SystemClock();

/**
 * When work must be over: an instant on the clock the work runs by, and a signal that aborts then.
 * The signal wakes what waits; the clock is read by loops whose awaits all settle at once, which
 * never let the signal's timer run, yet must stop in time.
 */
export class Deadline {
  private aborts: AbortSignal | undefined;

  private constructor(
    readonly at: number,
    private readonly clock: Clock,
  ) {}

  static after(ms: number, clock: Clock = SYSTEM_CLOCK): Deadline {
    // Whole milliseconds: the signal's timer takes no fraction of one.
    return new Deadline(clock.now() + Math.max(0, Math.floor(ms)), clock);
  }

  /**
   * Aborts at the deadline. Made when first asked for: a request served from memory never waits,
   * and a timer a request would not use costs more than serving it.
   */
  get signal(): AbortSignal {
    if (this.aborts === undefined) {
      this.aborts = AbortSignal.timeout(this.remaining());
      // Every slice of a page waits on it at once: more than the default ten listeners.
      setMaxListeners(0, this.aborts);
    }
    return this.aborts;
  }

  remaining(): number {
    return Math.max(0, this.at - this.clock.now());
  }

  get expired(): boolean {
    return this.aborts?.aborted === true || this.clock.now() >= this.at;
  }
}

/** Settles as `work` does, or rejects with `onExpiry()` when the deadline passes first; `work` goes on. */
export function withinDeadline<T>(
  work: Promise<T>,
  deadline: Deadline,
  onExpiry: () => Error,
): Promise<T> {
  if (deadline.expired) return Promise.reject(onExpiry());
  return new Promise<T>((resolve, reject) => {
    const expire = (): void => reject(onExpiry());
    deadline.signal.addEventListener('abort', expire, { once: true });
    work.then(
      (value) => {
        deadline.signal.removeEventListener('abort', expire);
        resolve(value);
      },
      (error: unknown) => {
        deadline.signal.removeEventListener('abort', expire);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
