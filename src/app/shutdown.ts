import { setTimeout as delay } from 'node:timers/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { Lifecycle } from '../health/lifecycle.js';
import { Tracing } from '../tracing/tracing.js';

/**
 * Stops the gateway without failing a request: readiness answers 503 at once (and the gateway
 * goes on serving for `delayMs`, for load balancers to notice), the listener stops
 * taking connections and closes the idle ones, the requests in flight finish (the limiters, the
 * cache and the sandbox's simulators stay up for them), and only then do Redis and the rest
 * close. Resolves to the exit code: 0, or 1 when `graceMs` passed first.
 */
export async function drain(
  app: NestFastifyApplication,
  logger: Logger,
  { graceMs, delayMs }: { graceMs: number; delayMs: number },
  signal: string,
): Promise<number> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown: the grace period is over; exiting with work unfinished');
      resolve(1);
    }, graceMs);
  });
  const steps = async (): Promise<number> => {
    logger.info({ signal }, 'shutdown: readiness answers 503 from now on');
    app.get(Lifecycle).draining = true;
    if (delayMs > 0) {
      // Load balancers see the 503 and stop sending before the listener goes away.
      logger.info({ delayMs }, 'shutdown: still serving while load balancers notice');
      await delay(delayMs);
    }
    logger.info('shutdown: the listener stops; idle connections close; requests in flight finish');
    const fastify = app.getHttpAdapter().getInstance();
    // A connection busy when the listener stops turns idle once its answer is out (which says
    // `Connection: close` while draining); any that stays open is closed as soon as it is idle.
    const sweep = setInterval(() => fastify.server.closeIdleConnections(), 100);
    try {
      await fastify.close();
    } finally {
      clearInterval(sweep);
    }
    logger.info('shutdown: requests done; closing Redis, the limiters and the simulators');
    await app.close();
    await app.get(Tracing).shutdown();
    logger.info({ ms: Math.round(performance.now() - started) }, 'shutdown: done');
    return 0;
  };
  try {
    return await Promise.race([steps(), late]);
  } finally {
    clearTimeout(timer);
  }
}
