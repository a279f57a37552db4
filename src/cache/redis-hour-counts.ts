import type { HourCounts } from '../domain/hour-counts.js';
import { DAY, HOUR } from '../domain/time.js';
import { FAILED, type GuardedRedis } from '../redis/guarded-redis.js';
import { HOUR_COUNTS_TTL_MS } from './cache-store.js';

/**
 * The calls an hour in Redis: one hash a UTC day and scope, its fields the hours, so a month of an
 * account is 35 small keys. Each key stands alone: on a Cluster, the days spread over the masters.
 */
export class RedisHourCounts {
  constructor(
    private readonly redis: GuardedRedis,
    private readonly prefix: string,
  ) {}

  async put(scope: string, counts: HourCounts): Promise<void> {
    const days = new Map<number, Array<string | number>>();
    for (const [hour, calls] of counts) {
      const day = Math.floor(hour / DAY) * DAY;
      const fields = days.get(day) ?? [];
      fields.push((hour - day) / HOUR, calls);
      days.set(day, fields);
    }
    if (days.size === 0) return;
    const client = this.redis.client;
    await this.redis.call(
      'putHourCounts',
      () =>
        Promise.all(
          [...days].flatMap(([day, fields]) => [
            client.hset(this.keyOf(scope, day), ...fields),
            client.pexpire(this.keyOf(scope, day), HOUR_COUNTS_TTL_MS),
          ]),
        ),
      FAILED,
    );
  }

  async read(scope: string, from: number, to: number): Promise<HourCounts> {
    const first = Math.max(Math.floor(from / DAY) * DAY, to - HOUR_COUNTS_TTL_MS - DAY);
    const days: number[] = [];
    for (let day = Math.floor(first / DAY) * DAY; day < to; day += DAY) days.push(day);
    const found = new Map<number, number>();
    if (days.length === 0) return found;
    const client = this.redis.client;
    const hashes = await this.redis.call(
      'hourCounts',
      () => Promise.all(days.map((day) => client.hgetall(this.keyOf(scope, day)))),
      FAILED,
    );
    if (hashes === FAILED) return found;
    hashes.forEach((fields, i) => {
      for (const [field, value] of Object.entries(fields)) {
        const hour = days[i] + Number(field) * HOUR;
        const calls = Number(value);
        if (hour >= from && hour < to && Number.isSafeInteger(calls)) found.set(hour, calls);
      }
    });
    return found;
  }

  private keyOf(scope: string, day: number): string {
    return `${this.prefix}hours|${scope}|${day}`;
  }
}
