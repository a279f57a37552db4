import type { ProviderName } from '../domain/call-log.js';

export type CircuitPosition = 'closed' | 'open' | 'half-open' | 'isolated';

/** What a provider's policy reports as it works (the metrics listen). */
export abstract class PolicyObserver {
  abstract attempt(provider: ProviderName, seconds: number, outcome: string): void;
  abstract retry(provider: ProviderName): void;
  abstract limiterWait(provider: ProviderName, seconds: number): void;
  abstract circuit(provider: ProviderName, position: CircuitPosition): void;
}
