import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, finalize } from 'rxjs';
import { type RequestContext, currentContext } from '../http/request-context.js';
import { CallerLimits } from './caller-limits.js';

/**
 * Holds every authenticated request to its caller's limits: refused with 429 over them, and
 * charged, once it is over, what it cost.
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
    return next.handle().pipe(finalize(() => void admission.release(costOf(request))));
  }
}

/** One unit; a request that revalidated, as many as the upstream requests it made. */
function costOf(context: RequestContext | undefined): number {
  if (context === undefined || context.revalidations === 0) return 1;
  return Math.max(1, context.upstreamRequests);
}
