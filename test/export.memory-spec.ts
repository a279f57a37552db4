import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { DayExport } from '../bench/export-day.js';
import { DENSE_DAY_END, denseSimulators } from './dense-day.js';
import { DAY, oracle } from './utils.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;

/** What the issue allows an export to add to the server's memory: 50 MB over idle. */
const MAX_GROWTH_BYTES = 50_000_000;

/**
 * The benchmark's export of the busy day (`bench/export-day.ts`): 25,000 calls through a cold
 * gateway running as a process of its own, started with `npm start`'s flags, its resident memory
 * read from the kernel. It runs in a process of its own too, built as `npm run bench` builds it,
 * so that nothing of this test's process is counted. `npm run test:memory` runs it alone, as a step
 * of `npm test` of its own: it keeps both cores busy, and timed suites beside it failed.
 */
async function exportDay(format: DayExport['format']): Promise<DayExport> {
  const script = `
    const { exportDay } = await import('./dist-bench/bench/export-day.js');
    process.stdout.write(JSON.stringify(await exportDay(20, '${format}')));
    process.exit(0);
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout) as DayExport;
}

describe('an export of the dense data set’s busy day', () => {
  /** The calls of the day, as the simulators hold them. */
  let calls: number;

  beforeAll(async () => {
    const sims = await denseSimulators();
    calls = oracle(sims, { since: DENSE_DAY_END - DAY, until: DENSE_DAY_END }).length;
    await sims.close();
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], {
      cwd: ROOT,
    });
  }, 180_000);

  it.each(['ndjson', 'csv'] as const)(
    'keeps the server within 50 MB of its idle memory (%s)',
    async (format) => {
      const exported = await exportDay(format);
      expect(calls).toBeGreaterThan(20_000);
      expect(exported.records).toBe(calls);
      expect(exported.peakRss).toBeGreaterThan(exported.idleRss);
      expect(exported.peakRss - exported.idleRss).toBeLessThan(MAX_GROWTH_BYTES);
    },
    120_000,
  );
});
