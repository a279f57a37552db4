import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheObserver } from '../cache/cache-observer.js';
import type { CacheOutcome } from '../cache/cache-observer.js';
import type { StoreHealth } from '../redis/store-health.js';
import type { ProviderName } from '../domain/call-log.js';
import { type CircuitPosition, PolicyObserver } from '../upstreams/policy-observer.js';

const CIRCUIT_VALUE: Record<CircuitPosition, number> = {
  closed: 0,
  'half-open': 1,
  open: 2,
  isolated: 3,
};

/**
 * The gateway's Prometheus metrics, in a registry of its own (one per application, so that several
 * in one process, as in the tests, do not mix their figures): its HTTP traffic, the upstreams, the
 * cache, its stores, and the Node process.
 */
@Injectable()
export class Metrics extends PolicyObserver implements CacheObserver {
  readonly registry = new Registry();
  private readonly requests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of the requests the gateway answered, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly slices = new Counter({
    name: 'call_log_cache_slices_total',
    help: 'Slices requests asked for, by provider and how they were served (hit, stale, miss, collapsed, refresh, stale-if-error)',
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });
  private readonly fills = new Histogram({
    name: 'call_log_slice_fill_seconds',
    help: 'Fills of slices from their upstream, by provider and outcome (ok, error, stale-if-error)',
    labelNames: ['provider', 'outcome'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly stores = new Map<string, () => StoreHealth>();
  private readonly storeUp = new Gauge({
    name: 'call_log_store_up',
    help: 'Whether a store the gateway keeps state in answers (1) or is bypassed (0), by store',
    labelNames: ['store'],
    registers: [this.registry],
    collect: () => {
      for (const [store, health] of this.stores) {
        this.storeUp.set({ store }, health().status === 'ok' ? 1 : 0);
      }
    },
  });
  private readonly gauges = new Map<string, Gauge>();

  constructor() {
    super();
    collectDefaultMetrics({ register: this.registry });
  }
  private readonly attempts = new Counter({
    name: 'call_log_upstream_requests_total',
    help: 'Upstream HTTP requests, by provider and outcome (ok or an error code)',
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'call_log_upstream_request_seconds',
    help: 'Duration of upstream HTTP requests',
    labelNames: ['provider'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'call_log_upstream_retries_total',
    help: 'Upstream requests retried after a transient failure',
    labelNames: ['provider'],
    registers: [this.registry],
  });
  private readonly waits = new Histogram({
    name: 'call_log_rate_limiter_wait_seconds',
    help: "Time spent waiting for a slot under a provider's rate limit",
    labelNames: ['provider'],
    buckets: [0, 0.01, 0.1, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly circuits = new Gauge({
    name: 'call_log_circuit_state',
    help: "A provider's circuit: 0 closed, 1 half-open, 2 open, 3 isolated",
    labelNames: ['provider'],
    registers: [this.registry],
  });

  request(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }

  served(provider: ProviderName, outcome: CacheOutcome): void {
    this.slices.inc({ provider, outcome });
  }

  filled(
    provider: ProviderName,
    outcome: 'ok' | 'error' | 'stale-if-error',
    seconds: number,
  ): void {
    this.fills.observe({ provider, outcome }, seconds);
  }

  /** A store whose health is read at each scrape: `call_log_store_up{store}`. */
  watchStore(store: string, health: () => StoreHealth): void {
    this.stores.set(store, health);
  }

  /** A figure read at each scrape, such as the size of a cache. */
  watch(name: string, help: string, read: () => number): void {
    if (this.gauges.has(name)) return;
    const gauge: Gauge = new Gauge({
      name,
      help,
      registers: [this.registry],
      collect: () => gauge.set(read()),
    });
    this.gauges.set(name, gauge);
  }

  attempt(provider: ProviderName, seconds: number, outcome: string): void {
    this.attempts.inc({ provider, outcome });
    this.latency.observe({ provider }, seconds);
  }

  retry(provider: ProviderName): void {
    this.retries.inc({ provider });
  }

  limiterWait(provider: ProviderName, seconds: number): void {
    this.waits.observe({ provider }, seconds);
  }

  circuit(provider: ProviderName, position: CircuitPosition): void {
    this.circuits.set({ provider }, CIRCUIT_VALUE[position]);
  }
}
