import type { ProviderName } from '../domain/call-log.js';
import type { CallLogProvider } from './call-log-provider.js';

/** The gateway's providers: every name of its list, and the providers of those enabled. */
export class ProviderRegistry {
  constructor(
    /** Every provider the gateway knows, enabled or not, in the order of its list. */
    readonly names: readonly ProviderName[],
    /** The enabled ones. */
    readonly providers: readonly CallLogProvider[],
  ) {}

  get(name: ProviderName): CallLogProvider | undefined {
    return this.providers.find((provider) => provider.name === name);
  }
}
