/**
 * Requests waiting, per key, for a fill another request is making: each ends when the key is woken
 * (the fill ended, or the store gave up on it) or when its own time is up, whichever comes first.
 */
export class Waiters {
  private readonly byKey = new Map<string, Set<() => void>>();

  /** How many keys are waited for. */
  get size(): number {
    return this.byKey.size;
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  /** Resolves when `key` is woken, or after `timeoutMs`. */
  wait(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        const waiting = this.byKey.get(key);
        waiting?.delete(done);
        if (waiting?.size === 0) this.byKey.delete(key);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.byKey.set(key, (this.byKey.get(key) ?? new Set()).add(done));
    });
  }

  wake(key: string): void {
    for (const done of [...(this.byKey.get(key) ?? [])]) done();
  }

  wakeAll(): void {
    for (const key of [...this.byKey.keys()]) this.wake(key);
  }
}
