import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemError, type ProblemDto } from './problem.js';

const TITLES: Record<number, string> = {
  404: 'Not found',
  500: 'Internal error',
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A route asked with a method it does not take: 405, with the ones it does. */
class MethodNotAllowedError extends ProblemError {
  constructor(
    private readonly method: string,
    private readonly allowed: readonly string[],
  ) {
    super(`${method} is not a method of this route; it takes ${allowed.join(', ')}`);
    this.name = 'MethodNotAllowedError';
  }

  problem(): ReturnType<ProblemError['problem']> {
    return {
      type: '/problems/method-not-allowed',
      title: 'Method not allowed',
      status: 405,
      detail: this.message,
    };
  }

  override headers(): Record<string, string> {
    return { allow: this.allowed.join(', ') };
  }
}

/** When no route matched: a 405 if the path is a route that takes other methods. */
function methodNotAllowed(request: FastifyRequest): MethodNotAllowedError | undefined {
  const url = request.url.split('?')[0];
  const allowed = METHODS.filter((method) => request.server.hasRoute({ method, url }));
  return allowed.length > 0 ? new MethodNotAllowedError(request.method, allowed) : undefined;
}

const logger = new Logger('ProblemFilter');

/**
 * The one place an error becomes a response: every error is `application/problem+json`, and a 5xx
 * says what happened without internals (the log has them, under the same request id).
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(caught: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getResponse<FastifyReply>(), http.getRequest<FastifyRequest>(), caught);
  }
}

/** Answers `request` with the problem `caught` is: the filter's answer, for a hook outside Nest too. */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, caught: unknown): void {
  const exception =
    caught instanceof NotFoundException ? (methodNotAllowed(request) ?? caught) : caught;
  const problem = toProblem(exception, request);
  if (exception instanceof ProblemError) void reply.headers(exception.headers());
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}

function toProblem(exception: unknown, request: FastifyRequest): ProblemDto {
  const base = { instance: request.url, requestId: String(request.id) };
  if (exception instanceof ProblemError) return { ...base, ...exception.problem() };
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
  logger.error(
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
