import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { Lifecycle } from '../health/lifecycle.js';
import { Tracing } from '../tracing/tracing.js';

/**
 * Stops the gateway without failing a request: readiness answers 503 at once, the listener stops
 * taking connections and closes the idle ones, the requests in flight finish (the limiters, the
 * cache and the sandbox's simulators stay up for them), and only then do Redis and the rest
 * close. Resolves to the exit code: 0, or 1 when `graceMs` passed first.
 */
export async function drain(
  app: NestFastifyApplication,
  logger: Logger,
  graceMs: number,
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
    logger.info('shutdown: the listener stops; idle connections close; requests in flight finish');
    await app.getHttpAdapter().getInstance().close();
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
