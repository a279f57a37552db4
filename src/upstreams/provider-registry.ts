import type { ProviderName } from '../domain/call-log.js';
import type { CallLogProvider } from './call-log-provider.js';

/** The enabled providers, collected explicitly by the providers module's factory. */
export class ProviderRegistry {
  constructor(readonly providers: readonly CallLogProvider[]) {}

  get(name: ProviderName): CallLogProvider | undefined {
    return this.providers.find((provider) => provider.name === name);
  }
}
