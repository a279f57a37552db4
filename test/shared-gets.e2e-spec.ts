import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { DecodedSlices } from '../src/cache/decoded-slices.js';
import { RedisCacheStore } from '../src/cache/redis-cache-store.js';
import { SharedGets } from '../src/cache/shared-gets.js';
import { encodeSlice } from '../src/cache/slice-codec.js';
import type { CallLog } from '../src/domain/call-log.js';
import { FakeClock, put } from './cache-store.contract.js';
import { RedisServer } from './redis-server.js';

/** Reads of the stored entries this Redis has served: `HMGET`s, from its own statistics. */
async function readsServed(admin: Redis): Promise<number> {
  const stats = String(await admin.info('commandstats'));
  return Number(/cmdstat_hmget:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

/**
 * Callers that want one slice at once, none of which holds it decoded, share one read from Redis
 * and one decoding: fifty callers walking a day each reading and decoding every slice for
 * themselves took the server's resident memory past 470 MiB.
 */
describe('a slice wanted by many callers at once', () => {
  let server: RedisServer;
  let store: RedisCacheStore;
  let admin: Redis;
  const clock = new FakeClock();

  beforeAll(async () => {
    server = await RedisServer.start();
    store = await RedisCacheStore.connect({ url: server.url, prefix: 'shared:', clock });
    admin = new Redis(server.url);
  });

  afterAll(async () => {
    admin.disconnect();
    await store.close();
    await server.close();
  });

  it('is read from the store once, and each caller gets that one entry', async () => {
    const now = clock.now();
    const record = { id: 'cinnox:1', provider: 'cinnox', startedAt: '2026-11-18T10:00:00.000Z' };
    const value = encodeSlice({ records: [record as CallLog], rejected: 0 });
    await put(store, 'k', {
      value,
      fetchedAt: now,
      freshUntil: now + 60_000,
      staleUntil: now + 120_000,
    });
    const gets = new SharedGets(store);

    const before = await readsServed(admin);
    const entries = await Promise.all(Array.from({ length: 20 }, () => gets.get('k')));
    expect((await readsServed(admin)) - before).toBe(1);
    for (const entry of entries) expect(entry).toBe(entries[0]);

    // Once that read is over, the next caller reads again: nothing is kept here.
    await gets.get('k');
    expect((await readsServed(admin)) - before).toBe(2);

    // One entry is decoded once, even by a set too small to keep it.
    const decoded = new DecodedSlices(1, clock);
    const first = decoded.decode('k', entries[0] ?? fail());
    expect(decoded.bytes).toBe(0);
    expect(decoded.decode('k', entries[1] ?? fail())).toBe(first);
    expect(first.payload.records).toEqual([record]);
  });
});

function fail(): never {
  throw new Error('the entry was not read');
}
