import { Redis } from 'ioredis';

/** Calls `each` with every batch of keys under a prefix, on a connection of its own. */
async function forEachKeyBatch(
  url: string,
  prefix: string,
  each: (redis: Redis, keys: string[]) => Promise<unknown>,
): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await each(redis, keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Deletes the test's own keys, and nothing else. */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  await forEachKeyBatch(url, prefix, (redis, keys) => redis.unlink(...keys));
}

/** How many keys the store holds under a prefix. */
export async function countKeys(url: string, prefix: string): Promise<number> {
  let count = 0;
  await forEachKeyBatch(url, prefix, (_redis, keys) => Promise.resolve((count += keys.length)));
  return count;
}
