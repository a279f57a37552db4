import { setTimeout as delay } from 'node:timers/promises';
import { ids, oracle, type PageBody, type Simulators } from './utils.js';

/** One page asked of a gateway over real HTTP, with the caller's own deadline when it has one. */
export async function callPage(
  url: string,
  query: Record<string, string>,
  deadlineMs?: number,
): Promise<{ status: number; body: PageBody; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/call-logs?${new URLSearchParams(query).toString()}`, {
    headers: deadlineMs === undefined ? {} : { 'x-request-timeout': String(deadlineMs) },
  });
  const body = (await response.json()) as PageBody;
  return { status: response.status, body, ms: performance.now() - started };
}

/**
 * How the providers answered a page, or a problem that lists them: whether one failed or served
 * stale, and each failure as `provider code`.
 */
export function providersOf(body: PageBody): { partial: boolean; codes: string[] } {
  const providers =
    body.meta?.providers ??
    (body as unknown as { providers?: PageBody['meta']['providers'] }).providers ??
    [];
  return {
    partial: providers.some((meta) => meta.status === 'error' || meta.status === 'stale'),
    codes: providers.flatMap((meta) => (meta.error ? [`${meta.provider} ${meta.error.code}`] : [])),
  };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** What a walk of a window over several gateways in turn gave, against what the window holds. */
export interface WalkCheck {
  pages: number;
  /** Pages refused (502) while every provider was held back, asked again a second later. */
  refusedPages: number;
  /** Pages on which a provider failed. */
  partialPages: number;
  walked: string[];
  expected: string[];
  /** The last cursor: null once the walk ended. */
  cursor: string | null;
}

/**
 * Walks `window` page by page over `urls` in turn, as a client after an incident does: a 502 (every
 * provider held back by its limit) is asked again a second later, and a resume cursor followed.
 */
export async function walkAfterwards(
  sims: Simulators,
  urls: readonly string[],
  window: { since: number; until: number },
  boundMs = 120_000,
): Promise<WalkCheck> {
  const walked: string[] = [];
  let pages = 0;
  let refusedPages = 0;
  let partialPages = 0;
  let cursor: string | null = null;
  const started = performance.now();
  do {
    const query: Record<string, string> = {
      since: new Date(window.since).toISOString(),
      until: new Date(window.until).toISOString(),
      limit: '100',
    };
    const { status, body } = await callPage(
      urls[pages % urls.length],
      cursor === null ? query : { ...query, cursor },
    );
    pages += 1;
    if (status === 502) {
      refusedPages += 1;
      await delay(1000);
      continue;
    }
    if (status !== 200) throw new Error(`the walk got ${status}: ${JSON.stringify(body)}`);
    if (body.meta.providers.some((meta) => meta.status === 'error')) partialPages += 1;
    walked.push(...ids(body.data));
    cursor = body.page.nextCursor ?? body.page.resumeCursor;
    if (cursor === null) break;
    // A provider still held back leaves pages empty until it may ask again.
    if (body.data.length === 0) await delay(250);
  } while (performance.now() - started < boundMs);
  return {
    pages,
    refusedPages,
    partialPages,
    walked,
    expected: ids(oracle(sims, window)),
    cursor,
  };
}
