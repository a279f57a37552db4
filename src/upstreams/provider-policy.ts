import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
  type IRetryBackoffContext,
  type TimeoutPolicy,
} from 'cockatiel';
import type { OnModuleDestroy } from '@nestjs/common';
import { SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { Deadline } from '../domain/deadline.js';
import { currentContext } from '../http/request-context.js';
import { UpstreamError } from '../domain/upstream-error.js';
import type { CircuitPosition, PolicyObserver } from './policy-observer.js';
import type { UpstreamIdentity } from './provider-descriptor.js';
import type { UpstreamRateLimiter } from './rate-limit/rate-limiter.js';
import type { PolicySettings } from './upstream-config.js';

/** Failures that say the upstream is unwell; only these count towards opening its circuit. */
const UNWELL: ReadonlySet<UpstreamError['code']> = new Set([
  'upstream_timeout',
  'upstream_unavailable',
  'upstream_bad_response',
]);

/**
 * How one provider's requests are guarded: each attempt waits for a place in the bulkhead, passes
 * the circuit breaker and has a timeout; a transient failure (network, timeout, 429, 5xx, the
 * provider's "busy" codes) is retried with exponential backoff and full jitter, or after the
 * provider's `Retry-After`, as long as the wait fits the deadline. Credential and input errors are
 * never retried: they would fail again.
 */
export class ProviderPolicy implements OnModuleDestroy {
  private readonly breaker: CircuitBreakerPolicy;
  /** The breaker, then a place in the bulkhead: what every attempt passes. */
  private readonly admission;
  private readonly timeout: TimeoutPolicy;
  private readonly provider: string;
  private readonly label: string;

  constructor(
    upstream: UpstreamIdentity,
    private readonly settings: PolicySettings,
    /** Keeps the account under the provider's own limit, across replicas; null when it has none. */
    private readonly limiter: { limiter: UpstreamRateLimiter; account: string } | null = null,
    private readonly observer: PolicyObserver | null = null,
    /** Each upstream request is a span; OpenTelemetry's no-op tracer where nothing is traced. */
    private readonly tracer: Tracer = trace.getTracer('call-log-gateway'),
  ) {
    this.provider = upstream.name;
    this.label = upstream.label;
    // Only what became of requests the upstream received: one the deadline stopped while it
    // waited for a place or a slot was never sent, and says nothing of the upstream's health.
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof UpstreamError && UNWELL.has(error.code)),
      {
        halfOpenAfter: settings.circuitCooldownMs,
        breaker: new ConsecutiveBreaker(settings.circuitFailures),
      },
    );
    this.admission = wrap(this.breaker, bulkhead(settings.maxConcurrency, Number.MAX_SAFE_INTEGER));
    this.timeout = timeout(settings.upstreamTimeoutMs, TimeoutStrategy.Aggressive);
    this.observer?.circuit(this.provider, 'closed');
    this.breaker.onStateChange(() => this.observer?.circuit(this.provider, this.circuit));
  }

  async onModuleDestroy(): Promise<void> {
    await this.limiter?.limiter.close();
  }

  get circuit(): CircuitPosition {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.Open:
        return 'open';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Isolated:
        return 'isolated';
    }
  }

  /** One upstream request, with `request` given the signal that aborts it; throws only UpstreamError. */
  async run<T>(deadline: Deadline, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // The request this one serves: its caller is held to its share, and pays for what it asks.
    const context = currentContext();
    const retrying = retry(
      handleWhen((error) => this.retryable(error, deadline)),
      {
        maxAttempts: this.settings.retries,
        backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) =>
          this.delay(context),
        ),
      },
    );
    retrying.onRetry(() => this.observer?.retry(this.provider));
    try {
      return await retrying.execute(
        ({ signal }) =>
          // The bulkhead is not given the signal: it would drop a request cancelled while it
          // waited without passing its place on, and the place would stay empty until another
          // request ended. The request gives its place up inside instead.
          this.admission.execute(async () => {
            if (signal.aborted) throw new TaskCancelledError();
            // The slot is taken just before the request leaves, inside the bulkhead, so that what
            // the limiter counts is what the provider sees; waiting for it is not the upstream
            // being slow, so it happens outside the attempt's timeout.
            if (this.limiter !== null) {
              const waited = await this.limiter.limiter.take(this.limiter.account, {
                signal,
                deadline,
                caller: context?.caller,
              });
              this.observer?.limiterWait(this.provider, waited / 1000);
            }
            try {
              return await this.timeout.execute(
                ({ signal: attempt }) => this.attempt(() => request(attempt)),
                signal,
              );
            } catch (error) {
              // Sent and not answered in time: that counts against the upstream.
              throw error instanceof TaskCancelledError ? this.classify(error, deadline) : error;
            }
          }),
        deadline.signal,
      );
    } catch (error) {
      throw this.classify(error, deadline);
    }
  }

  /** One request to the upstream, in a span of its own (its `traceparent` goes with it), timed. */
  private attempt<T>(request: () => Promise<T>): Promise<T> {
    const context = currentContext();
    if (context !== undefined) context.upstreamRequests += 1;
    const attributes = { 'call_log.provider': this.provider };
    return this.tracer.startActiveSpan(
      `${this.label} request`,
      { kind: SpanKind.CLIENT, attributes },
      async (span) => {
        const started = performance.now();
        let outcome = 'ok';
        try {
          return await request();
        } catch (error) {
          outcome = error instanceof UpstreamError ? error.code : 'upstream_timeout';
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
          throw error;
        } finally {
          span.setAttribute('call_log.outcome', outcome);
          span.end();
          this.observer?.attempt(this.provider, (performance.now() - started) / 1000, outcome);
        }
      },
    );
  }

  private retryable(error: Error, deadline: Deadline): boolean {
    if (deadline.signal.aborted) return false;
    if (error instanceof TaskCancelledError) return true;
    if (!(error instanceof UpstreamError) || !error.transient) return false;
    // A caller's spent share frees only with its window: asking again now would be refused again.
    if (error.details.callerShare === true) return false;
    return (error.details.retryAfterMs ?? 0) < deadline.remaining();
  }

  /** The provider's Retry-After when it gave one, else exponential backoff with full jitter. */
  private delay(context: IRetryBackoffContext<unknown>): number {
    const error = 'error' in context.result ? context.result.error : undefined;
    if (error instanceof UpstreamError && error.details.retryAfterMs !== undefined)
      return error.details.retryAfterMs;
    const ceiling = Math.min(
      this.settings.retryMaxMs,
      this.settings.retryBaseMs * 2 ** (context.attempt - 1),
    );
    return Math.random() * ceiling;
  }

  private classify(error: unknown, deadline: Deadline): UpstreamError {
    if (error instanceof UpstreamError) return error;
    if (error instanceof BrokenCircuitError) {
      return new UpstreamError(
        this.provider,
        'circuit_open',
        `${this.label} failed ${this.settings.circuitFailures} times in a row; the gateway asks it again after a pause of ${this.settings.circuitCooldownMs} ms`,
      );
    }
    if (error instanceof TaskCancelledError) {
      return new UpstreamError(
        this.provider,
        'upstream_timeout',
        deadline.signal.aborted
          ? `${this.label} did not answer before the deadline`
          : `${this.label} did not answer within ${this.settings.upstreamTimeoutMs} ms`,
      );
    }
    if (error instanceof BulkheadRejectedError) {
      return new UpstreamError(
        this.provider,
        'upstream_unavailable',
        `Too many requests to ${this.label} are waiting`,
      );
    }
    throw error;
  }
}
