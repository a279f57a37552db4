import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import {
  CircuitState,
  ConsecutiveBreaker,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  timeout,
  wrap,
} from 'cockatiel';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { StoreHealth } from './store-health.js';
import { type RedisTarget, redactRedisUrl } from './redis-url.js';

export type RedisClient = Redis | Cluster;

export interface GuardOptions {
  /** Bound on every Redis call, in ms; default 150. */
  commandTimeoutMs?: number;
  /** Consecutive failures that open the circuit (default 5), and how long it stays open (5000). */
  breaker?: { failures: number; halfOpenAfterMs: number };
}

/** How the logs name a guarded connection, and what its owner does while Redis cannot answer. */
export interface GuardIdentity {
  /** The logger context: the owner's class name. */
  context: string;
  /** Starts every warning, before the redacted URL: "Redis cache", "Rate limiter Redis". */
  label: string;
  /** Ends the warnings of failed calls and the health detail, e.g. "on the local fallback". */
  meanwhile?: string;
  /** Runs when the circuit opens, before the probing starts. */
  onBreak?: () => void;
}

export const FAILED = Symbol('failed');

const WARN_EVERY_MS = 5_000;
const MAX_RECONNECT_DELAY_MS = 2_000;
const QUIT_TIMEOUT_MS = 500;

/**
 * A Redis connection that never holds a request up, for the cache store and the rate limiter alike:
 * each call is bounded by a timeout and a circuit breaker and answers its fallback on any failure;
 * an open circuit is probed without waiting for traffic; warnings come at most once per
 * WARN_EVERY_MS and never carry the password; health() says why it is degraded.
 */
export class GuardedRedis<C extends RedisClient = RedisClient> {
  readonly client: C;
  private readonly logger: Logger;
  private readonly breaker;
  private readonly policy;
  /**
   * Every call runs under this signal: each concurrent call's timeout listens on it, so it may have
   * many listeners at once, and closing aborts the calls still running.
   */
  private readonly lifetime = new AbortController();
  private probeTimer: NodeJS.Timeout | undefined;
  /** The latest failure of a call, and of the connection: the why of a degraded health(). */
  private callError = '';
  private connectionError = '';
  private quietUntil = 0;
  private suppressed = 0;
  private isClosed = false;

  constructor(
    private readonly target: RedisTarget,
    private readonly identity: GuardIdentity,
    options: GuardOptions = {},
  ) {
    setMaxListeners(0, this.lifetime.signal);
    this.client = createClient(target) as C;
    this.logger = new Logger(identity.context);
    const { failures = 5, halfOpenAfterMs = 5_000 } = options.breaker ?? {};
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(failures),
    });
    // Aggressive: a Redis that does not answer must not hold a request, whatever it does later.
    this.policy = wrap(
      this.breaker,
      timeout(options.commandTimeoutMs ?? 150, TimeoutStrategy.Aggressive),
    );
    this.breaker.onBreak(() => {
      if (this.closed) return;
      this.warn(`circuit open after ${failures} consecutive failures${this.meanwhile}`);
      identity.onBreak?.();
      // Probe without waiting for traffic, so that health() turns ok again on an idle replica, and
      // again until the circuit closes: a probe can find it still open, which changes nothing.
      const probe = (): void => {
        clearTimeout(this.probeTimer);
        this.probeTimer = setTimeout(() => {
          void this.call('ping', () => this.client.ping(), undefined).then(() => {
            if (!this.closed && this.circuit !== CircuitState.Closed) probe();
          });
        }, halfOpenAfterMs).unref();
      };
      probe();
    });
    this.breaker.onReset(() => this.logger.log(`${identity.label} ${target.redacted} is back`));
    this.client.on('error', (error: Error) => {
      this.connectionError = this.warn('connection error', error);
    });
    this.client.on('ready', () => {
      this.connectionError = '';
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get circuit(): CircuitState {
    return this.breaker.state;
  }

  /** Connects, waiting at most `boundMs`: a Redis that is down leaves the owner degraded, not stuck. */
  async connect(boundMs: number, ...others: RedisClient[]): Promise<void> {
    const ready = Promise.allSettled([this.client, ...others].map((client) => client.connect()));
    await Promise.race([ready, delay(boundMs, undefined, { ref: false })]);
  }

  /** Runs one Redis call under the policy; on any failure warns (rate-limited) and returns `fallback`. */
  async call<T, F>(operation: string, command: () => Promise<T>, fallback: F): Promise<T | F> {
    if (this.closed) return fallback;
    try {
      return await this.policy.execute(command, this.lifetime.signal);
    } catch (error) {
      this.callError = this.warn(`${operation} failed${this.meanwhile}`, error);
      return fallback;
    }
  }

  /** Runs one Redis call under the policy, and lets a failure through. */
  execute<T>(command: () => Promise<T>): Promise<T> {
    return this.policy.execute(command, this.lifetime.signal);
  }

  health(): StoreHealth {
    let detail: string | undefined;
    if (this.closed) detail = 'closed';
    else if (this.client.status !== 'ready') {
      const why = this.connectionError === '' ? '' : `: ${this.connectionError}`;
      detail = `connection ${this.client.status}${why}${this.meanwhile}`;
    } else if (this.circuit !== CircuitState.Closed) {
      detail = `circuit open: ${this.callError}${this.meanwhile}`;
    }
    return detail === undefined
      ? { store: 'redis', status: 'ok' }
      : { store: 'redis', status: 'degraded', detail };
  }

  /** Closes the connection and any others the owner made with `createClient`. */
  async close(...others: RedisClient[]): Promise<void> {
    if (this.closed) return;
    this.isClosed = true;
    this.lifetime.abort();
    clearTimeout(this.probeTimer);
    await Promise.all([this.client, ...others].map(quit));
  }

  /** Logs at most one warning per WARN_EVERY_MS; returns the reason, scrubbed of credentials. */
  warn(message: string, error?: unknown): string {
    // A refused connection comes as an AggregateError with an empty message: its code says more.
    const text =
      error instanceof Error
        ? error.message || (error as NodeJS.ErrnoException).code || error.name
        : '';
    const reason = this.scrub(text).slice(0, 200);
    const now = Date.now();
    if (now < this.quietUntil) {
      this.suppressed++;
      return reason;
    }
    this.quietUntil = now + WARN_EVERY_MS;
    const more = this.suppressed > 0 ? ` (${this.suppressed} more since the last warning)` : '';
    this.suppressed = 0;
    const why = reason === '' ? '' : `: ${reason}`;
    this.logger.warn(`${this.identity.label} ${this.target.redacted}: ${message}${why}${more}`);
    return reason;
  }

  private get meanwhile(): string {
    return this.identity.meanwhile === undefined ? '' : `; ${this.identity.meanwhile}`;
  }

  /** Belt and braces: no message that reaches a log or health() may carry the password. */
  private scrub(text: string): string {
    const { password } = this.target;
    const redacted = redactRedisUrl(text);
    return password ? redacted.split(password).join('***') : redacted;
  }
}

/** A connection to `target` that fails fast while Redis is away and reconnects for ever. */
export function createClient(target: RedisTarget): RedisClient {
  // Reconnect forever, so that Redis coming back needs no restart of the gateway.
  const retryStrategy = (attempt: number): number =>
    Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** attempt);
  // `disconnectTimeout` (missing from the typings): how long ioredis keeps a timer for a socket it
  // closes, even one already closed; its 2 s default holds a shutting-down process that long.
  const connection: RedisOptions & { disconnectTimeout: number } = {
    ...(target.username !== undefined && { username: target.username }),
    ...(target.password !== undefined && { password: target.password }),
    ...(target.tls && { tls: {} }),
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    disconnectTimeout: 200,
    // The store subscribes again itself on every 'ready', handling a refusal. ioredis's own
    // resubscription leaves its promise unhandled, and it is refused when the connection closes
    // between the ready check and the subscription: an unhandled rejection ends the process.
    autoResubscribe: false,
  };
  // No offline queue: while disconnected, a call fails at once instead of waiting for a reconnect.
  if (target.cluster) {
    return new Cluster(target.nodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: retryStrategy,
      redisOptions: connection,
    });
  }
  return new Redis({
    ...connection,
    ...target.nodes[0],
    db: target.db,
    enableOfflineQueue: false,
    retryStrategy,
  });
}

async function quit(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    await Promise.race([client.quit().catch(() => 'OK'), delay(QUIT_TIMEOUT_MS)]);
  }
  // Also stops the reconnecting of a client that never got ready.
  if (client.status !== 'end') client.disconnect();
}
