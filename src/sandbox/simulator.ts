import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HTTPMethods,
} from 'fastify';
import { isRecord } from '../domain/is-record.js';
import { parseInstant } from '../domain/time.js';
import { DEFAULT_SEED, type DatasetOptions } from './call-volume.js';
import { NO_FAULTS, type SimulatorFaults, assertFaults, hasFault, spoil } from './faults.js';
import { RequestLog, type SimulatorStats } from './request-log.js';
import type { Answer, SimCall } from './answer.js';
import { hash32, Random } from './random.js';

/** What both upstream simulators share: faults, counters, control routes and the server itself. */

export interface SimulatorOptions<R> {
  /** 0 (the default): a free port. */
  port?: number;
  host?: string;
  seed?: number;
  /** Read on every request, so a test can move time on. */
  now?: () => Date;
  /** Replaces the generated data set. */
  records?: R[];
  /** How many days and how busy the generated data set is (see DatasetOptions). */
  dataset?: Pick<DatasetOptions, 'days' | 'callsPerDay'>;
}

export abstract class Simulator<R extends object> {
  protected readonly now: () => Date;
  private readonly seed: number;
  private readonly rng: Random;
  private readonly app: FastifyInstance;
  private readonly closing = new AbortController();
  private closed?: Promise<void>;
  private store: R[];
  private faults: SimulatorFaults = { ...NO_FAULTS };
  private readonly requests = new RequestLog();
  /** Each request being served, until it is answered or its client has gone. */
  private readonly inFlight = new Set<Promise<void>>();
  private address = '';
  private readonly starts = new WeakMap<R, number | null>();

  /** The field of a success body that holds the records. */
  protected abstract readonly listField: string;
  protected abstract generate(options: DatasetOptions): R[];
  /** What the stable order hashes; records without an id keep their insertion order. */
  protected abstract idOf(record: R): string;
  /** The record's start as the upstream writes it. */
  protected abstract startTextOf(record: R): unknown;
  protected abstract credentialError(): Answer;
  protected abstract serverError(): Answer;
  protected abstract rateLimited(): Answer;
  /** A record a mapper must reject; `index` varies the way it is broken. */
  protected abstract brokenRecord(index: number, now: Date): Record<string, unknown>;

  protected constructor(options: SimulatorOptions<R>) {
    this.seed = options.seed ?? DEFAULT_SEED;
    this.now = options.now ?? (() => new Date());
    this.rng = new Random(this.seed);
    this.store = this.ordered(
      options.records ?? this.generate({ ...options.dataset, seed: this.seed, now: this.now() }),
    );
    // forceCloseConnections: close() must not wait for keep-alive sockets or hung requests.
    this.app = Fastify({ forceCloseConnections: true, bodyLimit: 64 * 1024 * 1024 });
    this.app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body.toString()))),
    );
    this.controlRoutes();
  }

  /** e.g. http://127.0.0.1:41234, without a trailing slash. */
  get baseUrl(): string {
    return this.address;
  }

  records(): readonly R[] {
    return this.store;
  }

  /**
   * When a record started (a time without an offset is UTC), or null; read once per record, as
   * every request filters the whole store by it.
   */
  startOf(record: R): number | null {
    let at = this.starts.get(record);
    if (at === undefined) {
      at = parseInstant(this.startTextOf(record), { requireOffset: false });
      this.starts.set(record, at);
    }
    return at;
  }

  add(...records: R[]): void {
    this.store = this.ordered([...this.store, ...records]);
  }

  setFaults(faults: Partial<SimulatorFaults>): void {
    assertFaults(faults);
    this.faults = { ...this.faults, ...faults };
  }

  resetFaults(): void {
    this.faults = { ...NO_FAULTS };
  }

  stats(): SimulatorStats {
    return this.requests.stats();
  }

  /** Resolves once `count` requests have arrived since the last reset of the stats. */
  arrived(count: number): Promise<void> {
    return this.requests.arrived(count);
  }

  resetStats(): void {
    this.requests.reset();
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort();
      await this.app.close();
    })();
    return this.closed;
  }

  protected async listen({ port = 0, host = '127.0.0.1' }: SimulatorOptions<R>): Promise<void> {
    await this.app.listen({ port, host });
    const { port: bound } = this.app.server.address() as AddressInfo;
    this.address = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  }

  protected route(methods: HTTPMethods[], url: string, handle: (call: SimCall) => Answer): void {
    this.app.route({
      method: methods,
      url,
      handler: (req, reply) => this.serve(req, reply, handle),
    });
  }

  private async serve(
    req: FastifyRequest,
    reply: FastifyReply,
    handle: (call: SimCall) => Answer,
  ): Promise<FastifyReply> {
    const now = this.now();
    const faults = this.takeFaults();
    const params = { ...fields(req.query), ...fields(req.body) };
    const call: SimCall = {
      path: fields(req.params),
      params,
      header: (name) => {
        const value = req.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.at(-1) : value;
      },
      now,
    };
    // Decided (and counted) on arrival, so that stats are current once the client has its answer.
    const answer = faults.hang ? null : this.answer(call, faults, handle);
    this.requests.count(req, params, answer?.status ?? 0, now);
    let served = (): void => undefined;
    const serving = new Promise<void>((resolve) => (served = resolve));
    this.inFlight.add(serving);
    try {
      await this.pause(faults.hang ? Infinity : faults.latencyMs, reply.raw);
      if (answer === null || this.closing.signal.aborted) {
        reply.hijack();
        reply.raw.destroy();
        return reply;
      }
      return reply
        .code(answer.status)
        .headers(answer.headers ?? {})
        .send(answer.body);
    } finally {
      this.inFlight.delete(serving);
      served();
    }
  }

  /**
   * Resolves once every request that has arrived so far is answered, or its client has gone: what
   * a fault did to them is over, and only what arrives from now on meets the faults of now.
   */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private answer(
    call: SimCall,
    faults: SimulatorFaults,
    handle: (call: SimCall) => Answer,
  ): Answer {
    if (faults.revokeCredentials) return this.credentialError();
    if (this.rng.chance(faults.rateLimitRate)) {
      const limited = this.rateLimited();
      return { ...limited, headers: { 'retry-after': String(faults.retryAfterSeconds) } };
    }
    if (this.rng.chance(faults.errorRate)) return this.serverError();
    const answer = handle(call);
    return answer.status === 200
      ? spoil(answer, faults, this.listField, (index) => this.brokenRecord(index, call.now))
      : answer;
  }

  /** The faults for this request; an `after` count and a `remaining` budget are spent here. */
  private takeFaults(): SimulatorFaults {
    const faults = this.faults;
    if (faults.after > 0 && hasFault(faults)) {
      this.faults = { ...faults, after: faults.after - 1 };
      return { ...NO_FAULTS };
    }
    if (faults.remaining === null || !hasFault(faults)) return faults;
    if (faults.remaining <= 0) {
      this.resetFaults();
      return this.faults;
    }
    this.faults =
      faults.remaining === 1 ? { ...NO_FAULTS } : { ...faults, remaining: faults.remaining - 1 };
    return faults;
  }

  /**
   * Waits `ms` (Infinity: until close), never past close() nor past the client's leaving, so no
   * timer outlives the server and no request is held for a client that gave up on it.
   */
  private pause(ms: number, response: ServerResponse): Promise<void> {
    const { signal } = this.closing;
    if (ms <= 0 || signal.aborted || response.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        response.off('close', done);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      signal.addEventListener('abort', done);
      response.once('close', done);
    });
  }

  /** Sorted by a seeded hash of the id: no meaningful order, yet the same on every page. */
  private ordered(records: R[]): R[] {
    return records
      .map((record) => ({ record, key: hash32(this.idOf(record), this.seed) }))
      .sort((a, b) => a.key - b.key)
      .map(({ record }) => record);
  }

  private controlRoutes(): void {
    this.app.get('/__sim/stats', () => this.stats());
    this.app.get('/__sim/faults', () => this.faults);
    this.app.put('/__sim/faults', (req, reply) => {
      try {
        assertFaults(req.body);
      } catch (error) {
        reply.code(400);
        return { message: error instanceof Error ? error.message : String(error) };
      }
      this.setFaults(req.body);
      return this.faults;
    });
    this.app.post('/__sim/reset', () => {
      this.resetFaults();
      this.resetStats();
      return { faults: this.faults, stats: this.requests.stats() };
    });
    this.app.post('/__sim/records', (req, reply) => {
      const records: unknown = req.body;
      if (!Array.isArray(records) || !records.every(isRecord)) {
        reply.code(400);
        return { message: 'expected a JSON array of records' };
      }
      this.add(...(records as R[]));
      reply.code(201);
      return { added: records.length, total: this.store.length };
    });
  }
}

/** One string per field; a repeated field keeps its last value, as PHP-style upstreams do. */
function fields(input: unknown): Record<string, string> {
  if (!isRecord(input)) return {};
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(input)) {
    const value: unknown = Array.isArray(raw) ? raw.at(-1) : raw;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[key] = String(value);
    }
  }
  return out;
}
