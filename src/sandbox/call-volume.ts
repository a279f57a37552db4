import { DAY, HOUR } from '../domain/time.js';
import { hash32, Random } from './random.js';

/**
 * When the simulators' calls happen: a working day with a lunch dip in the provider's time zone,
 * quiet weekends, and each hour's calls drawn from a seeded stream of its own. What a call holds is
 * each provider's own (its `sandbox/<provider>.dataset.ts`): legal but awkward values included,
 * broken records not (those come from the simulators' `oddRecords` fault).
 */

export const DEFAULT_SEED = 42;

export interface DatasetOptions {
  seed?: number;
  now: Date;
  /** Calls span [now - days, now). Default 14. */
  days?: number;
  /** Calls on a working day, per provider. Default 250. */
  callsPerDay?: number;
}

/** A place's offset from UTC, as an upstream writes it. */
export interface Zone {
  label: string;
  minutes: number;
}

export const Z: Zone = { label: 'Z', minutes: 0 };
export const UTC: Zone = { label: '+00:00', minutes: 0 };
export const HKT: Zone = { label: '+08:00', minutes: 480 };
export const IST: Zone = { label: '+05:30', minutes: 330 };
/** Some Kaleyra times come without an offset; the contract reads them as UTC. */
export const NO_OFFSET: Zone = { label: '', minutes: 0 };

// Relative call volume per local hour: a working day with a lunch dip, near silence at night.
const HOURLY_VOLUME = [
  0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.2, 0.6, 1, 1.2, 1.1, 0.7, 0.9, 1.1, 1.1, 1, 0.8, 0.5,
  0.3, 0.2, 0.1, 0.05, 0.03,
];
const WEEKEND_VOLUME = 0.15;

/**
 * The calls over [now - days, now), busy in the provider's business hours. Each hour of each
 * provider draws from a stream of its own, seeded by the seed and the hour: the calls of an hour
 * are the same whatever instant the data set is anchored at, and whatever the other provider does.
 */
export function callsByHour<R>(
  provider: string,
  { seed = DEFAULT_SEED, now, days = 14, callsPerDay = 250 }: DatasetOptions,
  local: Zone,
  call: (rng: Random, at: number) => R,
): R[] {
  const end = now.getTime();
  const start = end - days * DAY;
  const dailyVolume = HOURLY_VOLUME.reduce((sum, v) => sum + v, 0);
  const records: R[] = [];
  for (let hour = Math.floor(start / HOUR) * HOUR; hour < end; hour += HOUR) {
    const rng = new Random(hash32(`${provider}:${hour}`, seed));
    const clock = new Date(hour + local.minutes * 60_000);
    const weekend = clock.getUTCDay() === 0 || clock.getUTCDay() === 6;
    const expected =
      (callsPerDay * HOURLY_VOLUME[clock.getUTCHours()] * (weekend ? WEEKEND_VOLUME : 1)) /
      dailyVolume;
    // Rounding up with a probability equal to the fraction keeps the expected volume.
    const count = Math.floor(expected + rng.next());
    const times = Array.from({ length: count }, () => hour + rng.int(0, 3599) * 1000);
    for (const at of times.sort((a, b) => a - b)) {
      // Made even when outside the span, so that the hour's stream does not depend on the span.
      const record = call(rng, at);
      if (at >= start && at < end) records.push(record);
    }
  }
  return records;
}

/** Mostly short calls, a few long ones: 5 s to 30 min, log-uniform. */
export function talkSeconds(rng: Random): number {
  return Math.round(5 * Math.exp(rng.next() * Math.log(360)));
}

/** RFC 3339 as the wall clock of `zone` shows it. */
export function formatTime(ms: number, zone: Zone, millis: boolean): string {
  const wallClock = new Date(ms + zone.minutes * 60_000).toISOString();
  return wallClock.slice(0, millis ? 23 : 19) + zone.label;
}
