import 'reflect-metadata';
import type { Writable } from 'node:stream';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Logger, type ValidationError } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { type FastifyBaseLogger, LogController } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { Environment } from '../config/read-variables.js';
import { type Clock, SystemClock } from '../domain/clock.js';
import { MemoValidationPipe } from '../http/memo-validation.pipe.js';
import { ProblemFilter } from '../http/problem.filter.js';
import { InvalidParametersError } from '../http/problem.js';
import type { ProviderDescriptor } from '../upstreams/provider-descriptor.js';
import { AppLogger } from '../logging/app-logger.js';
import { createLogger } from '../logging/logger.js';
import { CacheStore } from '../cache/cache-store.js';
import { SliceCache } from '../cache/slice-cache.js';
import { PageCache } from '../call-logs/page-cache.js';
import { answerKeptPagesEarly } from '../call-logs/kept-page-route.js';
import { CallerLimits } from '../limits/caller-limits.js';
import { Metrics } from '../metrics/metrics.js';
import { Tracing } from '../tracing/tracing.js';
import { PinoNestLogger } from '../logging/nest-logger.js';
import { loadConfig } from './app-config.js';
import { AppModule } from './app.module.js';
import { recordEachRequest } from './access-log.js';
import { frontDoorOptions, openFrontDoor } from './front-door.js';
import { buildOpenApiDocument } from './openapi.js';
import { PROVIDERS } from './providers.js';

/** Builds the gateway exactly as it runs: `main.ts`, the tests and the benchmark all start here. */
export interface AppOptions {
  /** The time source of everything in the gateway (a test's own). */
  clock?: Clock;
  /** The gateway's providers; default: its own list. */
  providers?: readonly ProviderDescriptor[];
  /** Where the log lines go; default: standard output. */
  logDestination?: Writable;
  /** Where spans go besides the OTLP endpoint (a test's in-memory exporter). */
  spanProcessors?: readonly SpanProcessor[];
}

export async function createApp(
  env?: Environment,
  options: AppOptions = {},
): Promise<NestFastifyApplication> {
  // Without an explicit environment, `.env` is loaded into the process environment first; tests
  // pass their own environment instead.
  if (env === undefined) await ConfigModule.forRoot();
  const config = loadConfig(env ?? process.env, options.providers ?? PROVIDERS);
  const tracing = Tracing.create(config.tracing, options.spanProcessors);
  const logger = createLogger(config.logging, options.logDestination);
  const module = AppModule.forRoot(
    config,
    options.clock ?? new SystemClock(),
    tracing,
    new AppLogger(logger),
  );
  const adapter = new FastifyAdapter({
    ...frontDoorOptions(config.frontDoor),
    // Fastify's own lines (a client error, say) go to the same logger; the access line is ours.
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    // The logger's mixin puts the request id on every line written while serving a request: a
    // child logger a request, which Fastify makes to bind the same id, costs a warm page 1%.
    childLoggerFactory: (parent: FastifyBaseLogger) => parent,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
  });
  app.useLogger(new PinoNestLogger(logger));
  for (const warning of config.warnings) new Logger('Gateway').warn(warning);
  await openFrontDoor(app, config.frontDoor, tracing);
  answerKeptPagesEarly(app);
  const metrics = app.get(Metrics);
  recordEachRequest(app, logger, metrics);
  const store = app.get(CacheStore);
  metrics.watchStore('cache', () => store.health());
  const limits = app.get(CallerLimits);
  metrics.watchStore('caller-limits', () => limits.health());
  const pages = app.get(PageCache);
  metrics.watch('call_log_page_cache_bytes', 'Bytes of the pages kept ready', () => pages.bytes);
  const slices = app.get(SliceCache);
  metrics.watch(
    'call_log_decoded_slices_bytes',
    'Heap bytes, estimated, of the decoded slices this replica keeps',
    () => slices.decodedBytes,
  );
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(
    new MemoValidationPipe({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      stopAtFirstError: true,
      exceptionFactory: (errors) => new InvalidParametersError(errors.map(describeError)),
    }),
  );
  if (config.frontDoor.docsEnabled) {
    SwaggerModule.setup('docs', app, buildOpenApiDocument(app, config.providers), {
      jsonDocumentUrl: 'docs-json',
    });
  }
  return app;
}

function describeError(error: ValidationError): { parameter: string; detail: string } {
  const constraints = error.constraints ?? {};
  if ('whitelistValidation' in constraints) {
    return {
      parameter: error.property,
      detail: `${error.property} is not a parameter of this endpoint`,
    };
  }
  return {
    parameter: error.property,
    detail: Object.values(constraints)[0] ?? `${error.property} is not valid`,
  };
}
