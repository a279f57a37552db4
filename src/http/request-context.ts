import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the code serving a request may need to know of it without having it passed down: who the
 * caller is, and what the request has cost so far. Fills of the slice cache run in the context of
 * the request that started them, so their upstream requests count for that request's caller.
 */
export interface RequestContext {
  requestId: string;
  /** The caller's name: an API key's name, a token's subject; undefined without authentication. */
  caller: string | undefined;
  /** Upstream requests this request's own fills have made so far. */
  upstreamRequests: number;
  /** Fills this request made because it asked to revalidate (`refresh`, `no-cache`). */
  revalidations: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work` (and everything it starts) in `context`. */
export function runInContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/** The context of the request being served, or undefined outside one (start-up, a test). */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
