import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type { CallLog } from '../src/domain/call-log.js';
import {
  DAY,
  HOUR,
  clockEnv,
  gatewayEnv,
  ids,
  iso,
  resetFaults,
  serveGateway,
  startSimulators,
  walk,
  type Simulators,
} from './utils.js';

/** The command line as built by `npm run build -w client` (npm test builds it first). */
const CLI = fileURLToPath(new URL('../client/dist/cli/main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `call-logs` with its output on pipes, or (`terminal`) on a pseudo-terminal of `script`. */
function cli(args: readonly string[], options: { terminal?: boolean } = {}): Promise<Run> {
  const env = { PATH: process.env.PATH ?? '', ...clockEnv(), TERM: 'xterm', COLUMNS: '120' };
  const child = options.terminal
    ? spawn(
        'script',
        ['-qfec', [process.execPath, CLI, ...args].map(quote).join(' '), '/dev/null'],
        { env },
      )
    : spawn(process.execPath, [CLI, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

function ndjsonFile(text: string): { records: CallLog[]; meta: Record<string, unknown>[] } {
  const lines = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as CallLog | { meta: Record<string, unknown> });
  return {
    records: lines.filter((line): line is CallLog => !('meta' in line)),
    meta: lines.flatMap((line) => ('meta' in line ? [line.meta] : [])),
  };
}

describe('the call-logs command line', () => {
  let sims: Simulators;
  let app: NestFastifyApplication;
  let url: string;
  let dir: string;
  let window: { since: string; until: string };
  let walked: CallLog[];

  beforeAll(async () => {
    sims = await startSimulators({ seed: 67 });
    ({ app, url } = await serveGateway(gatewayEnv(sims), sims.clock));
    dir = await mkdtemp(join(tmpdir(), 'call-logs-cli-'));
    const now = sims.clock.now();
    window = { since: iso(now - 3 * DAY), until: iso(now - HOUR) };
    walked = (await walk(request(app.getHttpServer()), { ...window, limit: '500' })).records;
  });

  afterAll(async () => {
    await app.close();
    await sims.close();
    await rm(dir, { recursive: true, force: true });
  });

  const exportArgs = (extra: string[] = []): string[] => [
    'export',
    '--url',
    url,
    '--since',
    window.since,
    '--until',
    window.until,
    ...extra,
  ];

  it('writes an NDJSON export to --out, with progress lines on a pipe, and exits 0', async () => {
    const out = join(dir, 'window.ndjson');
    const run = await cli(exportArgs(['--out', out]));
    expect(run.code).toBe(0);
    const file = ndjsonFile(await readFile(out, 'utf8'));
    expect(file.records).toEqual(walked);
    expect(file.meta).toEqual([expect.objectContaining({ complete: true, resumeCursor: null })]);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(`^call-logs: ${walked.length} records, \\d+ records/s, 100% of the window$`),
    );
  });

  it('writes CSV to standard output when there is no --out', async () => {
    const run = await cli(exportArgs(['--format', 'csv']));
    expect(run.code).toBe(0);
    const rows = parse<Record<string, string>>(run.stdout, { columns: true });
    expect(rows.map((row) => row.id)).toEqual(ids(walked));
  });

  it.each([
    [['export', '--url', 'http://127.0.0.1:9'], /export needs --since/],
    [['export', '--since', '2026-11-20T00:00:00Z'], /--url/],
    [['export', '--colour', 'red'], /Unknown option '--colour'/],
    [['fetch'], /unknown command: fetch/],
  ])('exits 2 for bad arguments: %j', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('Usage:');
  });

  it('exits 2 when the gateway refuses the arguments, saying what it said', async () => {
    const run = await cli(exportArgs(['--status', 'ringing']));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/400.*status/);
  });

  it.each(['ndjson', 'csv'])(
    'goes on with a %s export cut off part-way (--resume): the file is the whole export',
    async (format) => {
      const out = join(dir, `cut.${format}`);
      expect((await cli(exportArgs(['--format', format, '--out', out]))).code).toBe(0);
      const whole = await readFile(out, 'utf8');
      // The transfer broke in the middle of a line.
      await truncate(out, Math.floor(Buffer.byteLength(whole) * 0.4) + 7);
      const resumed = await cli(exportArgs(['--format', format, '--out', out, '--resume']));
      expect(resumed.code).toBe(0);
      const text = await readFile(out, 'utf8');
      if (format === 'ndjson') {
        const file = ndjsonFile(text);
        expect(file.records).toEqual(walked);
        expect(file.meta).toEqual([expect.objectContaining({ complete: true })]);
      } else {
        const rows = parse<Record<string, string>>(text, { columns: true });
        expect(rows.map((row) => row.id)).toEqual(ids(walked));
        expect(text).toBe(whole);
      }
    },
  );

  it('says a complete export is complete when asked to resume it', async () => {
    const out = join(dir, 'done.ndjson');
    await cli(exportArgs(['--out', out]));
    const before = await readFile(out, 'utf8');
    const run = await cli(exportArgs(['--out', out, '--resume']));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('holds a complete export');
    expect(await readFile(out, 'utf8')).toBe(before);
  });

  it('shows a progress bar on a terminal', async () => {
    const out = join(dir, 'terminal.ndjson');
    const run = await cli(exportArgs(['--out', out]), { terminal: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/exporting \[[█░]+\] 100% of the window/);
    expect(run.stdout).toContain(`${walked.length} records`);
  });

  it('gets one page: JSON on a pipe, a table on a terminal', async () => {
    const args = ['get', '--url', url, '--since', window.since, '--until', window.until];
    const piped = await cli([...args, '--limit', '5']);
    expect(piped.code).toBe(0);
    const page = JSON.parse(piped.stdout) as { data: CallLog[]; page: { nextCursor: string } };
    expect(page.data).toEqual(walked.slice(0, 5));
    const next = await cli([...args, '--limit', '5', '--cursor', page.page.nextCursor]);
    expect((JSON.parse(next.stdout) as { data: CallLog[] }).data).toEqual(walked.slice(5, 10));
    const shown = await cli([...args, '--limit', '3'], { terminal: true });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('started at');
    for (const record of walked.slice(0, 3)) expect(shown.stdout).toContain(record.startedAt);
    expect(shown.stdout).toContain('next: --cursor ');
  });
});

describe('the call-logs command line when a provider fails', () => {
  let sims: Simulators;
  let app: NestFastifyApplication;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    sims = await startSimulators({ seed: 71, dataset: { days: 3, callsPerDay: 4_000 } });
    ({ app, url } = await serveGateway(gatewayEnv(sims), sims.clock));
    dir = await mkdtemp(join(tmpdir(), 'call-logs-cli-'));
  });

  afterEach(() => resetFaults(sims));

  afterAll(async () => {
    await app.close();
    await sims.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 3 with the resume cursor; --resume later brings exactly the rest', async () => {
    const now = sims.clock.now();
    const window = { since: iso(now - 2 * DAY), until: iso(now - HOUR) };
    const out = join(dir, 'failed.ndjson');
    const args = ['export', '--url', url, '--since', window.since, '--until', window.until];
    sims.kaleyra.setFaults({ revokeCredentials: true, after: 10 });
    const failed = await cli([...args, '--out', out]);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/incomplete \(kaleyra: upstream_auth\)/);
    expect(failed.stderr).toMatch(/resumeCursor: \S+/);
    const first = ndjsonFile(await readFile(out, 'utf8'));
    expect(first.meta).toEqual([expect.objectContaining({ complete: false })]);

    resetFaults(sims);
    const resumed = await cli([...args, '--out', out, '--resume']);
    expect(resumed.code).toBe(0);
    const walked = await walk(request(app.getHttpServer()), { ...window, limit: '500' });
    const file = ndjsonFile(await readFile(out, 'utf8'));
    expect(file.records.length).toBeGreaterThan(first.records.length);
    expect(file.records).toEqual(walked.records);
    expect(file.meta).toEqual([expect.objectContaining({ complete: true })]);
  });

  it('exits 3 when a CSV transfer is cut off, and --resume completes the file', async () => {
    const now = sims.clock.now();
    const window = { since: iso(now - 3 * DAY), until: iso(now - 2 * DAY) };
    const out = join(dir, 'cut.csv');
    const args = ['export', '--url', url, '--since', window.since, '--until', window.until];
    sims.kaleyra.setFaults({ revokeCredentials: true, after: 6 });
    const cut = await cli([...args, '--format', 'csv', '--out', out]);
    expect(cut.code).toBe(3);
    expect(cut.stderr).toContain('cut off');
    resetFaults(sims);
    const resumed = await cli([...args, '--format', 'csv', '--out', out, '--resume']);
    expect(resumed.code).toBe(0);
    const walked = await walk(request(app.getHttpServer()), { ...window, limit: '500' });
    const rows = parse<Record<string, string>>(await readFile(out, 'utf8'), { columns: true });
    expect(rows.map((row) => row.id)).toEqual(ids(walked.records));
  });
});
