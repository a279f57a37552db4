import { HOUR } from '../src/domain/time.js';
import { Random } from '../src/sandbox/random.js';
import { gatewayEnv, iso } from '../test/utils.js';
import { GatewayProcess } from './server-process.js';
import { DENSE_DAY_END, denseSimulators } from '../test/dense-day.js';

/*
 * `npm run bench:soak`: the gateway, a process of its own, under callers who walk one to three
 * pages of windows, filters and page sizes drawn from a seeded random source, over two days of the
 * dense data set, for BENCH_SOAK_SECONDS (600). Its resident memory is read every five seconds and
 * printed a minute a line: it must level off, not grow, once the caches are full.
 */

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const CALLERS = 20;
const FILTERS: ReadonlyArray<Record<string, string>> = [
  {},
  { provider: 'cinnox' },
  { provider: 'kaleyra' },
  { direction: 'inbound' },
  { status: 'completed' },
  { status: 'no_answer,busy' },
  { minDuration: '60' },
];

async function main(): Promise<void> {
  const sims = await denseSimulators();
  sims.cinnox.setFaults({ latencyMs: 20 });
  sims.kaleyra.setFaults({ latencyMs: 20 });
  const server = await GatewayProcess.start({
    ...gatewayEnv(sims, { LOG_LEVEL: 'error' }),
    BENCH_NOW: iso(sims.clock.now()),
  });
  const samples: Array<{ s: number; rss: number }> = [];
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  const sampler = setInterval(() => {
    samples.push({ s: Math.round(elapsed()), rss: server.memory().rss });
  }, 5_000);
  let held: string[];
  let answers = 0;
  let failures = 0;
  try {
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        const random = new Random(caller + 1);
        while (elapsed() < SECONDS) {
          const until = DENSE_DAY_END - random.int(0, 36) * HOUR;
          const query = new URLSearchParams({
            since: iso(until - random.int(1, 12) * HOUR),
            until: iso(until),
            limit: String(random.pick([50, 200, 500])),
            ...random.pick(FILTERS),
          });
          for (let page = 0, more = true; more && page < random.int(1, 3); page += 1) {
            const response = await fetch(`${server.url}/call-logs?${query.toString()}`);
            const body = (await response.json()) as { page?: { nextCursor: string | null } };
            answers += 1;
            if (response.status !== 200) failures += 1;
            const cursor = body.page?.nextCursor ?? null;
            more = cursor !== null;
            if (cursor !== null) query.set('cursor', cursor);
          }
        }
      }),
    );
    // What the caches hold at the end, against what the heap holds.
    const text = await (await fetch(`${server.url}/metrics`)).text();
    held = text
      .split('\n')
      .filter((line) =>
        /^(nodejs_heap_size_\w+|nodejs_external_memory_bytes|call_log_\w+_bytes) /.test(line),
      );
  } finally {
    clearInterval(sampler);
    await server.stop();
    await sims.close();
  }
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
  const perMinute = new Map<number, number>();
  for (const { s, rss } of samples) perMinute.set(Math.ceil(s / 60), rss);
  process.stdout.write(`| minute | resident MiB (last sample) |\n|---|---|\n`);
  for (const [minute, rss] of perMinute) process.stdout.write(`| ${minute} | ${mib(rss)} |\n`);
  process.stdout.write(
    `${answers} answers, ${failures} not 200, ${CALLERS} callers, ${SECONDS} s; peak ${mib(Math.max(...samples.map(({ rss }) => rss)))} MiB\n`,
  );
  for (const line of held) {
    const [name, value] = line.split(' ');
    process.stdout.write(`${name}: ${mib(Number(value))} MiB\n`);
  }
  if (process.env.BENCH_JSON === '1')
    process.stdout.write(`${JSON.stringify({ answers, failures, samples })}\n`);
}

await main();
