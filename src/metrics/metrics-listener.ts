import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';

/**
 * `/metrics` on a port of its own, without authentication, for a scraper inside the cluster when
 * `METRICS_PORT` is set; the main port serves it only to callers with the `metrics` scope.
 */
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: FastifyInstance | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly port: number | undefined,
    private readonly host: string,
  ) {}

  /** Where it listens, once it does. */
  get url(): string | undefined {
    const address = this.server?.server.address();
    return typeof address === 'object' && address !== null
      ? `http://${this.host === '0.0.0.0' ? '127.0.0.1' : this.host}:${address.port}`
      : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.port === undefined) return;
    const server = Fastify();
    server.get('/metrics', async (_request, reply) =>
      reply
        .header('content-type', this.metrics.registry.contentType)
        .send(await this.metrics.registry.metrics()),
    );
    await server.listen({ port: this.port, host: this.host });
    this.server = server;
    new Logger('Metrics').log(`Metrics at ${this.url}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}
