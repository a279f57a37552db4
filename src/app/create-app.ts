import 'reflect-metadata';
import { Logger, type ValidationError } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { Environment } from '../config/read-variables.js';
import { type Clock, SystemClock } from '../domain/clock.js';
import { MemoValidationPipe } from '../http/memo-validation.pipe.js';
import { ProblemFilter } from '../http/problem.filter.js';
import { InvalidParametersError } from '../http/problem.js';
import type { ProviderDescriptor } from '../upstreams/provider-descriptor.js';
import { LOG_LEVELS, loadConfig } from './app-config.js';
import { AppModule } from './app.module.js';
import { frontDoorOptions, openFrontDoor } from './front-door.js';
import { buildOpenApiDocument } from './openapi.js';
import { PROVIDERS } from './providers.js';

/** Builds the gateway exactly as it runs: `main.ts`, the tests and the benchmark all start here. */
export async function createApp(
  env?: Environment,
  options: { clock?: Clock; providers?: readonly ProviderDescriptor[] } = {},
): Promise<NestFastifyApplication> {
  // Without an explicit environment, `.env` is loaded into the process environment first; tests
  // pass their own environment instead.
  if (env === undefined) await ConfigModule.forRoot();
  const config = loadConfig(env ?? process.env, options.providers ?? PROVIDERS);
  const module = AppModule.forRoot(config, options.clock ?? new SystemClock());
  const adapter = new FastifyAdapter(frontDoorOptions(config.frontDoor));
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
  });
  app.useLogger([...LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1)]);
  app.enableShutdownHooks();
  for (const warning of config.warnings) new Logger('Gateway').warn(warning);
  await openFrontDoor(app, config.frontDoor);
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
