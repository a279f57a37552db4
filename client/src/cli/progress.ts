import cliProgress from 'cli-progress';

/** Where an export stands: records written, and the share of the window's time they cover. */
export interface Progress {
  advance(records: number, startedAt: string): void;
  /** The export ended; `whole`: it covered the window to its end. */
  finish(whole: boolean): void;
}

/** A plain line every so many records, where stderr is not a terminal (a log, a pipe). */
const LINE_EVERY = 5_000;

/**
 * The progress of an export on `out` (standard error): a bar on a terminal, plain lines otherwise.
 * The share of the window is how far the last record's start lies from the window's first edge in
 * the export's order.
 */
export function progressOn(
  out: NodeJS.WriteStream,
  window: { since: string; until: string },
  order: 'asc' | 'desc',
  startedWith = 0,
): Progress {
  const since = Date.parse(window.since);
  const until = Date.parse(window.until);
  const started = performance.now();
  let records = startedWith;
  let share = 0;
  const rate = (): number =>
    Math.round((records - startedWith) / Math.max(0.001, (performance.now() - started) / 1000));
  const covered = (startedAt: string): number => {
    const at = Date.parse(startedAt);
    const done = order === 'desc' ? until - at : at - since;
    return Math.min(1, Math.max(0, done / Math.max(1, until - since)));
  };
  if (out.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream: out,
        format:
          'exporting [{bar}] {percentage}% of the window | {records} records | {rate} records/s',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(100, 0, { records, rate: 0 });
    return {
      advance(count, startedAt) {
        records += count;
        share = covered(startedAt);
        bar.update(Math.floor(share * 100), { records, rate: rate() });
      },
      finish(whole) {
        if (whole) share = 1;
        bar.update(Math.floor(share * 100), { records, rate: rate() });
        bar.stop();
      },
    };
  }
  const line = (): void => {
    out.write(
      `call-logs: ${records} records, ${rate()} records/s, ${Math.floor(share * 100)}% of the window\n`,
    );
  };
  return {
    advance(count, startedAt) {
      const before = Math.floor(records / LINE_EVERY);
      records += count;
      share = covered(startedAt);
      if (Math.floor(records / LINE_EVERY) > before) line();
    },
    finish(whole) {
      if (whole) share = 1;
      line();
    },
  };
}
