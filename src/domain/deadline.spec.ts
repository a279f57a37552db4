import { describe, expect, it } from '@jest/globals';
import { Clock } from './clock.js';
import { Deadline } from './deadline.js';

/** A clock that moves only when told: the deadline's instant is read off it. */
class StillClock extends Clock {
  constructor(public at: number) {
    super();
  }

  now(): number {
    return this.at;
  }
}

describe('Deadline', () => {
  it('takes a fraction of a millisecond, as half of what is left may be, and keeps whole ones', () => {
    const clock = new StillClock(1_000);
    const deadline = Deadline.after(987.5, clock);
    expect(deadline.at).toBe(1_987);
    expect(deadline.remaining()).toBe(987);
    expect(deadline.expired).toBe(false);
  });

  it('is expired once its clock reaches it, before its timer has run', () => {
    const clock = new StillClock(0);
    const deadline = Deadline.after(50, clock);
    clock.at = 50;
    expect(deadline.expired).toBe(true);
    expect(deadline.remaining()).toBe(0);
  });
});
