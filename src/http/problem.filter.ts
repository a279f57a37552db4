import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemError, type ProblemDto } from './problem.js';

const TITLES: Record<number, string> = {
  404: 'Not found',
  405: 'Method not allowed',
  500: 'Internal error',
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
