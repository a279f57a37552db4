import { Readable } from 'node:stream';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, finalize, tap } from 'rxjs';
import { type RequestContext, currentContext } from '../http/request-context.js';
import { CallerLimits } from './caller-limits.js';

/**
 * Holds every authenticated request to its caller's limits: refused with 429 over them, and
 * charged, once it is over, what it cost. A streamed answer is over when its stream is.
 */
@Injectable()
export class CallerLimitsInterceptor implements NestInterceptor {
  constructor(private readonly limits: CallerLimits) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const caller = http.getRequest<FastifyRequest>().caller;
    if (caller === null || (caller.ratePerMinute === 0 && caller.maxConcurrent === 0)) {
      return next.handle();
    }
    const admission = await this.limits.admit(caller);
    void http.getResponse<FastifyReply>().headers(admission.headers);
    const request = currentContext();
    const release = (): void => void admission.release(costOf(request));
    let streamed = false;
    return next.handle().pipe(
      tap((answer) => {
        if (!(answer instanceof Readable)) return;
        streamed = true;
        answer.once('close', release);
      }),
      finalize(() => {
        if (!streamed) release();
      }),
    );
  }
}

/**
 * One unit; a request that revalidated, as many as the upstream requests it made; an export, one
 * a page of records it streamed.
 */
function costOf(context: RequestContext | undefined): number {
  if (context === undefined) return 1;
  if (context.revalidations > 0) return Math.max(1, context.upstreamRequests);
  return Math.max(1, context.pages ?? 1);
}
