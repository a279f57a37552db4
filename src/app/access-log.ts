import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.js';

/**
 * One line a request, once answered: what was asked, by whom, how it went and what it cost, with
 * each provider's outcome and the cache's part; and the request's duration in the metrics, by
 * method, route and status.
 */
export function recordEachRequest(
  app: NestFastifyApplication,
  logger: Logger,
  metrics: Metrics,
): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const seconds = reply.elapsedTime / 1000;
      metrics.request(request.method, route, reply.statusCode, seconds);
      if (!logger.isLevelEnabled('info')) {
        done();
        return;
      }
      const context = request.context;
      logger.info(
        {
          requestId: request.id,
          ...(context?.caller !== undefined && { caller: context.caller }),
          method: request.method,
          route,
          url: request.url.slice(0, 512),
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 10) / 10,
          upstreamRequests: context?.upstreamRequests ?? 0,
          ...(context?.providers !== undefined && { providers: context.providers }),
          client: request.ip,
        },
        'request',
      );
      done();
    });
}
