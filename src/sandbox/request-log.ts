import type { FastifyRequest } from 'fastify';

/** What a simulator has served: counts, and a log a test can read. */
export interface SimulatorStats {
  requests: number;
  /** By HTTP status; "0" counts requests that hung and were never answered. */
  byStatus: Record<string, number>;
  /** The latest 10,000 requests. */
  log: Array<{
    at: string;
    method: string;
    path: string;
    params: Record<string, string>;
    status: number;
    /** The W3C trace context the request carried, if any. */
    traceparent?: string;
  }>;
}

const LOG_CAP = 10_000;

/** Counts the requests a simulator served, so that a test can prove what reached the upstream. */
export class RequestLog {
  private counters: SimulatorStats = empty();
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  count(req: FastifyRequest, params: Record<string, string>, status: number, now: Date): void {
    const stats = this.counters;
    stats.requests += 1;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    const traceparent = req.headers.traceparent;
    stats.log.push({
      at: now.toISOString(),
      method: req.method,
      path: req.url.split('?')[0],
      params,
      status,
      ...(typeof traceparent === 'string' && { traceparent }),
    });
    if (stats.log.length > LOG_CAP) stats.log.shift();
    const ready = this.waiters.filter((waiter) => waiter.count <= stats.requests);
    this.waiters = this.waiters.filter((waiter) => waiter.count > stats.requests);
    for (const waiter of ready) waiter.resolve();
  }

  /** Resolves once `count` requests have arrived since the last reset, answered or not. */
  arrived(count: number): Promise<void> {
    if (this.counters.requests >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  stats(): SimulatorStats {
    return structuredClone(this.counters);
  }

  reset(): void {
    this.counters = empty();
  }
}

function empty(): SimulatorStats {
  return { requests: 0, byStatus: {}, log: [] };
}
