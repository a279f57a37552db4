import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { CacheStore, Lease, StoredEntry } from '../src/cache/cache-store.js';
import { Clock } from '../src/domain/clock.js';

/**
 * Follows real time, since Redis expires keys in real time, and can be moved ahead of it, which
 * only an in-process store notices.
 */
export class FakeClock extends Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface StoreFixture {
  store: CacheStore;
  /** Another replica on the same shared state: a second connection, or the store itself in-process. */
  replica: CacheStore;
  clock: FakeClock;
  cleanup(): Promise<void>;
}

/** Milliseconds `run` took, and what it returned. */
export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

export function entryAt(clock: Clock, value: string | Buffer, ttlMs = 60_000): StoredEntry {
  const now = clock.now();
  return {
    value: Buffer.from(value),
    fetchedAt: now,
    freshUntil: now + Math.floor(ttlMs / 2),
    staleUntil: now + ttlMs,
  };
}

/** Stores an entry the way the slice cache does: a lease of the key, then its fulfilment. */
export async function put(store: CacheStore, key: string, entry: StoredEntry): Promise<void> {
  await store.fulfil(await mustAcquire(store, key, 10_000), entry);
}

export async function mustAcquire(store: CacheStore, key: string, leaseMs: number): Promise<Lease> {
  const lease = await store.acquire(key, leaseMs);
  if (lease === null) throw new Error(`the lock of ${key} is held`);
  return lease;
}

/** The behaviour every CacheStore owes the slice cache, run against each implementation. */
export function describeCacheStoreContract(
  name: string,
  makeStore: () => Promise<StoreFixture>,
): void {
  describe(`${name}: the CacheStore contract`, () => {
    let fixture: StoreFixture;
    let store: CacheStore;
    let replica: CacheStore;
    const entry = (value: string, ttlMs?: number): StoredEntry =>
      entryAt(fixture.clock, value, ttlMs);

    beforeEach(async () => {
      fixture = await makeStore();
      ({ store, replica } = fixture);
    });
    afterEach(() => fixture.cleanup());

    it('misses a key never stored, and is healthy', async () => {
      expect(await store.get('never')).toBeUndefined();
      expect(store.health().status).toBe('ok');
    });

    it('round-trips every byte value and the times', async () => {
      const now = fixture.clock.now();
      const stored: StoredEntry = {
        value: Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)),
        fetchedAt: now - 1234,
        freshUntil: now + 30_000,
        staleUntil: now + 60_000,
      };
      await put(store, 'binary', stored);
      expect(await replica.get('binary')).toEqual(stored);
    });

    it('gives every read an entry object of its own', async () => {
      const stored = entry('shared');
      await put(store, 'own', stored);
      const [first, second] = [await store.get('own'), await replica.get('own')];
      expect(first).toEqual(stored);
      expect(second).toEqual(stored);
      expect(first).not.toBe(second);
      expect(first).not.toBe(stored);
    });

    it('drops an entry once it is past its staleUntil', async () => {
      await put(store, 'short', entry('x', 250));
      expect(await store.get('short')).toBeDefined();
      await delay(350);
      expect(await store.get('short')).toBeUndefined();
    });

    it('grants the lock of a key to one caller at a time', async () => {
      const leases = await Promise.all([store.acquire('k', 5000), replica.acquire('k', 5000)]);
      expect(leases.filter((lease) => lease !== null)).toEqual([
        { key: 'k', token: expect.any(String), fence: expect.any(Number), storedFreshUntil: 0 },
      ]);
      expect(await store.acquire('k', 5000)).toBeNull();
      expect(await store.acquire('other', 5000)).not.toBeNull();
    });

    it('tells the holder of a lease until when the entry it found is fresh', async () => {
      const stored = entry('stored');
      await put(store, 'k', stored);
      expect((await mustAcquire(replica, 'k', 5000)).storedFreshUntil).toBe(stored.freshUntil);
      expect((await mustAcquire(replica, 'none', 5000)).storedFreshUntil).toBe(0);
    });

    it('hands out strictly growing fences, across releases and expired leases', async () => {
      const first = await mustAcquire(store, 'k', 150);
      await store.fulfil(first, null);
      const second = await mustAcquire(replica, 'k', 150);
      await delay(250); // the holder dies: its lease lapses unfulfilled
      const third = await mustAcquire(store, 'k', 5000);
      expect(first.fence).toBeGreaterThan(0);
      expect(second.fence).toBeGreaterThan(first.fence);
      expect(third.fence).toBeGreaterThan(second.fence);
    });

    it('fulfil stores the entry and releases the lock', async () => {
      const lease = await mustAcquire(store, 'k', 5000);
      const filled = entry('filled');
      await store.fulfil(lease, filled);
      expect(await replica.get('k')).toEqual(filled);
      expect(await replica.acquire('k', 5000)).not.toBeNull();
    });

    it('a late fulfil with a lower fence does not overwrite a newer entry', async () => {
      const late = await mustAcquire(store, 'k', 100);
      await delay(150);
      const current = await mustAcquire(replica, 'k', 5000);
      await replica.fulfil(current, entry('new'));
      await store.fulfil(late, entry('old'));
      expect((await store.get('k'))?.value.toString()).toBe('new');
    });

    it("a fulfil whose lease was lost leaves the new holder's lock alone", async () => {
      const lost = await mustAcquire(store, 'k', 100);
      await delay(150);
      await mustAcquire(replica, 'k', 5000);
      await store.fulfil(lost, null);
      expect(await store.acquire('k', 5000)).toBeNull();
    });

    it('waitFor resolves with the entry another replica fulfils', async () => {
      const lease = await mustAcquire(replica, 'k', 5000);
      const filled = entry('filled');
      const waiting = timed(() => store.waitFor('k', 10_000));
      await replica.fulfil(lease, filled);
      const { value, ms } = await waiting;
      expect(value).toEqual(filled);
      expect(ms).toBeLessThan(1000);
    });

    it('waitFor wakes on the fulfil even when the lock is taken again at once', async () => {
      const lease = await mustAcquire(replica, 'k', 5000);
      const filled = entry('filled');
      const waiting = timed(() => store.waitFor('k', 10_000));
      await replica.fulfil(lease, filled);
      await mustAcquire(replica, 'k', 5000); // so that only the fulfil itself can wake the waiter
      const { value, ms } = await waiting;
      expect(value).toEqual(filled);
      expect(ms).toBeLessThan(1000);
    });

    it('waitFor resolves undefined, without waiting for its timeout, on a null fulfil', async () => {
      const lease = await mustAcquire(replica, 'k', 5000);
      const waiting = timed(() => store.waitFor('k', 10_000));
      await replica.fulfil(lease, null);
      const { value, ms } = await waiting;
      expect(value).toBeUndefined();
      expect(ms).toBeLessThan(1000);
    });

    it('waitFor returns soon after a dead holder’s lease expires', async () => {
      await mustAcquire(replica, 'k', 300);
      const { value, ms } = await timed(() => store.waitFor('k', 10_000));
      expect(value).toBeUndefined();
      expect(ms).toBeGreaterThan(200);
      expect(ms).toBeLessThan(1500);
    });

    it('waitFor times out while the holder lives', async () => {
      const lease = await mustAcquire(replica, 'k', 10_000);
      const { value, ms } = await timed(() => store.waitFor('k', 200));
      expect(value).toBeUndefined();
      expect(ms).toBeGreaterThanOrEqual(190);
      expect(ms).toBeLessThan(1000);
      await replica.fulfil(lease, null);
    });

    it('waitFor answers at once when no one holds the lock', async () => {
      const stored = entry('there');
      await put(store, 'k', stored);
      const { value, ms } = await timed(() => store.waitFor('k', 10_000));
      expect(value).toEqual(stored);
      expect(ms).toBeLessThan(1000);
    });

    it('keeps the calls of each hour, replacing an hour counted again, for every replica', async () => {
      const hour = 3_600_000;
      const day = Math.floor(fixture.clock.now() / 86_400_000) * 86_400_000;
      // Hours on both sides of a UTC midnight, and a quiet one: zero is a count too.
      await store.putHourCounts(
        'cinnox|acct',
        new Map([
          [day - hour, 7],
          [day, 0],
          [day + hour, 12],
        ]),
      );
      await store.putHourCounts('cinnox|acct', new Map([[day + hour, 13]]));
      await store.putHourCounts('kaleyra|acct', new Map([[day, 99]]));
      const counts = await replica.hourCounts('cinnox|acct', day - 2 * hour, day + 2 * hour);
      expect([...counts].sort(([a], [b]) => a - b)).toEqual([
        [day - hour, 7],
        [day, 0],
        [day + hour, 13],
      ]);
      // Only the hours that start inside the window asked for.
      expect([...(await store.hourCounts('cinnox|acct', day, day + hour))]).toEqual([[day, 0]]);
      expect((await store.hourCounts('other|acct', day - hour, day + hour)).size).toBe(0);
    });

    it('sees only the entries under its own prefix', async () => {
      const other = await makeStore();
      try {
        await put(other.store, 'a', entry('theirs'));
        await put(store, 'b', entry('b'));
        expect(await store.get('a')).toBeUndefined();
        expect((await replica.get('b'))?.value.toString()).toBe('b');
        expect((await other.store.get('a'))?.value.toString()).toBe('theirs');
        expect(await other.store.get('b')).toBeUndefined();
      } finally {
        await other.cleanup();
      }
    });
  });
}
