import { type Context, context, createContextKey, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * What the code serving a request may need to know of it without having it passed down: who the
 * caller is, and what the request has cost so far. Fills of the slice cache run in the context of
 * the request that started them, so their upstream requests count for that request's caller.
 *
 * It travels in OpenTelemetry's context, beside the request's span: one AsyncLocalStorage carries
 * both.
 */
export interface RequestContext {
  requestId: string;
  /** The caller's name: an API key's name, a token's subject; undefined without authentication. */
  caller: string | undefined;
  /** Upstream requests this request's own fills have made so far. */
  upstreamRequests: number;
  /** Fills this request made because it asked to revalidate (`refresh`, `no-cache`). */
  revalidations: number;
  /** Pages of records an export has streamed so far. */
  pages?: number;
  /** The request reads a whole window (an export): the cache keeps what it decodes for it alone. */
  wholeWindow?: boolean;
  /** How each provider answered the page, once it is made: for the access line. */
  providers?: ReadonlyArray<{ provider: string; status: string; cache?: string; detail?: string }>;
}

const KEY = createContextKey('call-log-gateway.request');

// Once per process; should another context manager be there first (an agent's), it carries ours.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
// W3C `traceparent`, taken from callers and passed on to the upstreams.
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

/** Runs `work` (and everything it starts) in `requestContext`, within `base` (the request's span). */
export function runInContext<T>(
  requestContext: RequestContext,
  work: () => T,
  base: Context = context.active(),
): T {
  return context.with(base.setValue(KEY, requestContext), work);
}

/** The context of the request being served, or undefined outside one (start-up, a test). */
export function currentContext(): RequestContext | undefined {
  return context.active().getValue(KEY) as RequestContext | undefined;
}
