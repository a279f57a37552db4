import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { type LogLevel, type ValidationError } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule, type Environment } from './app.module.js';
import { MemoValidationPipe } from '../http/memo-validation.pipe.js';
import { ProblemFilter } from '../http/problem.filter.js';
import { InvalidParametersError } from '../http/problem.js';
import type { Clock } from '../domain/clock.js';
import { AppConfig } from './app-config.js';
import { buildOpenApiDocument } from './openapi.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** A request id from the caller (an API gateway's, say) is kept when it is sane. */
const requestId = (header: unknown): string =>
  typeof header === 'string' && /^[\w.:-]{1,128}$/.test(header) ? header : randomUUID();

/** Builds the gateway exactly as it runs: `main.ts`, the tests and the benchmark all start here. */
export async function createApp(
  env?: Environment,
  options: { clock?: Clock } = {},
): Promise<NestFastifyApplication> {
  const module = await AppModule.forRoot(env, options.clock);
  const adapter = new FastifyAdapter({
    genReqId: (request: { headers: Record<string, unknown> }) =>
      requestId(request.headers['x-request-id']),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
  });
  const config = app.get(AppConfig);
  app.useLogger(LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1));
  app.enableShutdownHooks();

  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
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
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
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
