import { type RequestContext, currentContext } from '../http/request-context.js';
import type { ProviderMetaDto } from './call-log.dto.js';

export type Outcome = NonNullable<RequestContext['providers']>;

/** How each provider answered, as the request's access line says it. */
export function outcomeOf(metas: readonly ProviderMetaDto[]): Outcome {
  return metas.map(({ provider, status, cache, error, reason }) => ({
    provider,
    status,
    ...(cache !== undefined && status !== 'skipped' && { cache }),
    ...((error?.code ?? reason) !== undefined && { detail: error?.code ?? reason }),
  }));
}

/** Notes for the access line of the request being served how each provider answered. */
export function noteOutcome(metas: readonly ProviderMetaDto[]): void {
  const context = currentContext();
  if (context !== undefined) context.providers = outcomeOf(metas);
}
