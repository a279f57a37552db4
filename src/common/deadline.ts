/** When work must be over, as an instant and as a signal that aborts then. */
export class Deadline {
  private constructor(
    readonly at: number,
    readonly signal: AbortSignal,
  ) {}

  static after(ms: number, now: number = Date.now()): Deadline {
    return new Deadline(now + ms, AbortSignal.timeout(Math.max(0, ms)));
  }

  remaining(now: number = Date.now()): number {
    return Math.max(0, this.at - now);
  }
}

/** Settles as `work` does, or rejects with `onExpiry()` when the deadline passes first; `work` goes on. */
export function withinDeadline<T>(
  work: Promise<T>,
  deadline: Deadline,
  onExpiry: () => Error,
): Promise<T> {
  if (deadline.signal.aborted) return Promise.reject(onExpiry());
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
