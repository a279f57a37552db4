import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AllProvidersFailedError } from '../call-logs/call-logs.service.js';
import { InvalidParametersError, PROBLEM_CONTENT_TYPE, type ProblemDto } from './problem.js';

const TITLES: Record<number, string> = {
  400: 'Invalid parameters',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'Internal error',
  502: 'No provider could answer',
  504: 'No provider answered in time',
};

/**
 * The one place an error becomes a response: every error is `application/problem+json`, and a 5xx
 * says what happened without internals (the log has them, under the same request id).
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = this.toProblem(exception, request);
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemDto {
    const base = { instance: request.url, requestId: String(request.id) };
    if (exception instanceof InvalidParametersError) {
      return {
        ...base,
        type: '/problems/invalid-parameters',
        title: TITLES[400],
        status: 400,
        detail: exception.message,
        errors: exception.errors,
      };
    }
    if (exception instanceof AllProvidersFailedError) {
      const status = exception.timedOut ? 504 : 502;
      return {
        ...base,
        type: exception.timedOut
          ? '/problems/upstreams-timeout'
          : '/problems/upstreams-unavailable',
        title: exception.strict ? 'A provider could not answer' : TITLES[status],
        status,
        detail: exception.providers
          .filter((meta) => meta.error !== undefined)
          .map((meta) => `${meta.provider}: ${meta.error?.code}`)
          .join('; '),
        providers: exception.providers,
      };
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      return {
        ...base,
        type: status === 404 ? '/problems/not-found' : '/problems/http',
        title: TITLES[status] ?? 'Request refused',
        status,
        detail: exception.message,
      };
    }
    this.logger.error(
      `Unhandled error for ${request.method} ${request.url} (request ${base.requestId})`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return {
      ...base,
      type: '/problems/internal',
      title: TITLES[500],
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: `The gateway failed; quote request id ${base.requestId} when reporting it.`,
    };
  }
}
