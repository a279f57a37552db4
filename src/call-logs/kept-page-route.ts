import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthGuard, requireScopes } from '../auth/auth.guard.js';
import { ANONYMOUS, type Caller } from '../auth/caller.js';
import { Clock } from '../domain/clock.js';
import { sendProblem } from '../http/problem.filter.js';
import { type Admission, CallerLimits } from '../limits/caller-limits.js';
import { type KeptPage, PageCache, type ScopesNeeded } from './page-cache.js';
import { presentAgain } from './page-presenter.js';

/**
 * Answers a request for a kept page in a hook, before Nest's router: a URL once answered with a
 * page kept for a pinned window is, while that page is fresh, answered again with the same bytes
 * after the same checks (who the caller is, its scopes, its limits). A warm page is spared the
 * guard, the interceptors, the validation pipe and the query's resolution, which took most of its
 * time. Anything else (a refusal of the caller, a header that changes the answer, a page no longer
 * kept) goes on to the controller, which answers it as it always does; only a caller over its
 * limits is answered here, since it was charged here.
 */
export function answerKeptPagesEarly(app: NestFastifyApplication): void {
  const pages = app.get(PageCache);
  const guard = app.get(AuthGuard);
  const limits = app.get(CallerLimits);
  const clock = app.get(Clock);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      const kept =
        request.method === 'GET' && !asksMore(request) ? pages.at(request.url) : undefined;
      if (kept === undefined) {
        done();
        return;
      }
      // Without authentication the caller is known at once, and has no limits to wait on.
      if (guard.openToAll) {
        answer(request, reply, ANONYMOUS, kept.page, clock.now(), undefined);
        return;
      }
      guard.callerOf(request).then(
        (caller) => {
          if (!allowed(caller, kept.needs)) {
            done();
            return;
          }
          admit(limits, caller).then(
            (admission) => {
              answer(request, reply, caller, kept.page, clock.now(), admission);
              void admission?.release(1);
            },
            (refusal: unknown) => sendProblem(reply, request, refusal),
          );
        },
        () => done(),
      );
    });
}

/** Headers that ask for more than the kept page: a revalidation, or a deadline to check. */
function asksMore(request: FastifyRequest): boolean {
  return (
    request.headers['cache-control'] !== undefined ||
    request.headers['x-request-timeout'] !== undefined
  );
}

function allowed(caller: Caller, needs: ScopesNeeded): boolean {
  try {
    requireScopes(caller, needs);
    return true;
  } catch {
    return false;
  }
}

/** The caller let in under its limits, as the interceptor lets it in; none to keep to: undefined. */
async function admit(limits: CallerLimits, caller: Caller): Promise<Admission | undefined> {
  if (caller.ratePerMinute === 0 && caller.maxConcurrent === 0) return undefined;
  return limits.admit(caller);
}

function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  caller: Caller,
  kept: KeptPage,
  now: number,
  admission: Admission | undefined,
): void {
  const context = request.context;
  if (context !== null) {
    if (caller !== ANONYMOUS) context.caller = caller.name;
    context.providers = kept.outcome;
  }
  const page = presentAgain(kept, now);
  if (admission !== undefined) void reply.headers(admission.headers);
  void reply
    .header('content-type', 'application/json; charset=utf-8')
    .header('cache-status', page.cacheStatus)
    .header('cache-control', page.cacheControl)
    .send(page.json);
}
