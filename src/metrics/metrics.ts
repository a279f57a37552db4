import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
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
 * in one process, as in the tests, do not mix their figures).
 */
@Injectable()
export class Metrics extends PolicyObserver {
  readonly registry = new Registry();
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
