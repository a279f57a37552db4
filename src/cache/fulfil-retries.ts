import type { Clock } from '../domain/clock.js';
import { FAILED, type GuardedRedis } from '../redis/guarded-redis.js';
import type { Lease, StoredEntry } from './cache-store.js';

/** How long, and how often, a fulfil Redis did not take is made again; longer than any lease. */
const RETRY_FOR_MS = 60_000;
const RETRY_EVERY_MS = 250;
/** Fulfils kept for another try: one a fill under way, and a replica has few at once. */
const MAX_KEPT = 1_000;

/**
 * The fulfils Redis did not take, made again once it answers. A lock left behind would hold every
 * other replica's waiters until its lease ran out (a master that died mid-fill comes back as its
 * replica, the lock replicated, the fulfil lost). A fulfil's fence keeps a newer entry from being
 * overwritten, and a lock taken since is not another's to release, so making it late is safe.
 */
export class FulfilRetries {
  private readonly kept = new Map<
    string,
    { lease: Lease; entry: StoredEntry | null; until: number }
  >();
  private timer: NodeJS.Timeout | undefined;
  private retrying = false;

  constructor(
    private readonly redis: GuardedRedis,
    private readonly clock: Clock,
    private readonly fulfil: (lease: Lease, entry: StoredEntry | null) => Promise<number>,
  ) {}

  keep(lease: Lease, entry: StoredEntry | null): void {
    if (this.kept.size < MAX_KEPT) {
      this.kept.set(lease.token, { lease, entry, until: this.clock.now() + RETRY_FOR_MS });
    }
    this.timer ??= setInterval(() => void this.again(), RETRY_EVERY_MS);
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The fulfils kept, made again; those past their time are let go. */
  private async again(): Promise<void> {
    if (this.retrying) return;
    this.retrying = true;
    try {
      for (const [token, { lease, entry, until }] of this.kept) {
        const now = this.clock.now();
        // An entry past its staleness is not worth storing; the lock is released all the same.
        const stored = entry !== null && entry.staleUntil > now ? entry : null;
        const done =
          now > until
            ? 0
            : await this.redis.call('fulfil again', () => this.fulfil(lease, stored), FAILED);
        if (done === FAILED) break;
        this.kept.delete(token);
      }
    } finally {
      this.retrying = false;
      if (this.kept.size === 0) this.close();
    }
  }
}
