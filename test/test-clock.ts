import { Clock } from '../src/domain/clock.js';

/**
 * The instant a test's world starts at, whatever the wall clock says: a Wednesday mid-morning, off
 * every hour boundary. `TEST_NOW` moves it, to try the suite at another hour.
 */
export const PINNED_NOW = Date.parse(process.env.TEST_NOW ?? '2026-11-25T10:17:23.456Z');

/**
 * The one clock of a test, shared by its simulators and gateways: it starts at a pinned instant
 * and runs at the pace of real time (leases, timeouts and waits stay real), and a test can move
 * it on with `advance`.
 */
export class TestClock extends Clock {
  private readonly started = performance.now();
  private shift = 0;

  constructor(
    private readonly start: number = PINNED_NOW,
    /**
     * Milliseconds every read moves the clock on, besides real time: time that work takes. A test
     * may change it as it goes.
     */
    public tick = 0,
  ) {
    super();
    if (!Number.isFinite(start))
      throw new Error(`TEST_NOW is not an instant: ${process.env.TEST_NOW}`);
  }

  now(): number {
    this.shift += this.tick;
    return Math.floor(this.start + (performance.now() - this.started) + this.shift);
  }

  advance(ms: number): void {
    this.shift += ms;
  }

  /** A clock that reads the same now, and moves on its own from here. */
  fork(): TestClock {
    return new TestClock(this.now());
  }
}
