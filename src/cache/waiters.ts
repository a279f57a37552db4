/**
 * Requests waiting, per key, for a fill another request is making: each ends when the key is woken
 * (the fill ended, or the store gave up on it) or when its own time is up, whichever comes first.
 */
export class Waiters {
  /** Each waiter of a key, with the holder of the key's lock it was found waiting on. */
  private readonly byKey = new Map<string, Map<() => void, { holder?: string }>>();

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
      this.byKey.set(
        key,
        (this.byKey.get(key) ?? new Map<() => void, { holder?: string }>()).set(done, {}),
      );
    });
  }

  /**
   * What holds `key`'s lock now (null: nothing). A waiter's fill has ended once the lock is free,
   * or held by another than the holder it was first seen waiting on: a fill that ended and another
   * that began at once, whose end message this replica did not hear.
   */
  observe(key: string, holder: string | null): void {
    for (const [done, seen] of [...(this.byKey.get(key) ?? [])]) {
      if (holder === null || (seen.holder !== undefined && seen.holder !== holder)) done();
      else seen.holder = holder;
    }
  }

  wake(key: string): void {
    for (const done of [...(this.byKey.get(key)?.keys() ?? [])]) done();
  }

  wakeAll(): void {
    for (const key of [...this.byKey.keys()]) this.wake(key);
  }
}
