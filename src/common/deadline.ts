/** When work must be over, as an instant and as a signal that aborts then. */
export class Deadline {
  private constructor(
    /** Epoch ms, for what compares it with a wall clock (the rate limiter). */
    readonly at: number,
    readonly signal: AbortSignal,
    /** The same instant on the monotonic clock, which no wall-clock step can move. */
    private readonly monotonicAt: number,
  ) {}

  static after(ms: number, now: number = Date.now()): Deadline {
    const wait = Math.max(0, ms);
    return new Deadline(now + wait, AbortSignal.timeout(wait), performance.now() + wait);
  }

  remaining(): number {
    return Math.max(0, this.monotonicAt - performance.now());
  }

  /**
   * Whether the deadline has passed, by the clock rather than by the signal: a loop whose awaits
   * all settle at once never lets the signal's timer run, yet must stop in time.
   */
  get expired(): boolean {
    return this.signal.aborted || performance.now() >= this.monotonicAt;
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
