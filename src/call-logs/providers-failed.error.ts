import { ProblemError } from '../http/problem.js';
import type { ProviderMetaDto } from './call-log.dto.js';

/** Every provider failed: there is no page to give. */
export class AllProvidersFailedError extends ProblemError {
  constructor(
    readonly providers: ProviderMetaDto[],
    /** Some providers answered, but the caller asked for all or nothing (`strict=true`). */
    readonly strict = false,
  ) {
    super(strict ? 'A provider could not answer' : 'No provider could answer');
    this.name = 'AllProvidersFailedError';
  }

  /** Every failure was a timeout: a gateway timeout, not a bad gateway. */
  get timedOut(): boolean {
    return this.providers.every(
      (meta) => meta.status !== 'error' || meta.error?.code === 'upstream_timeout',
    );
  }

  problem(): ReturnType<ProblemError['problem']> {
    const status = this.timedOut ? 504 : 502;
    return {
      type: this.timedOut ? '/problems/upstreams-timeout' : '/problems/upstreams-unavailable',
      title: this.strict
        ? 'A provider could not answer'
        : this.timedOut
          ? 'No provider answered in time'
          : 'No provider could answer',
      status,
      detail: this.providers
        .filter((meta) => meta.error !== undefined)
        .map((meta) => `${meta.provider}: ${meta.error?.code}`)
        .join('; '),
      providers: this.providers,
    };
  }
}
