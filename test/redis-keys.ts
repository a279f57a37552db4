import { Cluster, Redis } from 'ioredis';
import { parseRedisUrl } from '../src/redis/redis-url.js';

/**
 * An administrator's connection to the Redis at `url`: one node, or a Redis Cluster (a
 * comma-separated list of its nodes), whose client follows MOVED and ASK itself.
 */
export function adminRedis(url: string): Redis | Cluster {
  const target = parseRedisUrl(url);
  return target.cluster
    ? new Cluster(target.nodes, { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 } })
    : new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
}

/**
 * Calls `each` with every batch of keys under a prefix, on a connection of its own: on a Cluster,
 * each master's keys on that master's connection.
 */
async function forEachKeyBatch(
  url: string,
  prefix: string,
  each: (redis: Redis, keys: string[]) => Promise<unknown>,
): Promise<void> {
  const admin = adminRedis(url);
  try {
    await admin.connect();
    const nodes = admin instanceof Cluster ? admin.nodes('master') : [admin];
    for (const redis of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        // One at a time on a Cluster: keys of one node may lie in different slots.
        if (keys.length > 0) {
          if (admin instanceof Cluster) for (const key of keys) await each(redis, [key]);
          else await each(redis, keys);
        }
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    admin.disconnect();
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

/** The keys under a prefix. */
export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  await forEachKeyBatch(url, prefix, (_redis, keys) => Promise.resolve(found.push(...keys)));
  return found.sort();
}
