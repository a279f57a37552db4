import { CallLogProvider, type ProviderMode } from './call-log-provider.js';
import type { UpstreamTarget } from './upstream-target.js';

/** A provider that reaches its upstream through the target the gateway resolved for it. */
export abstract class UpstreamProvider extends CallLogProvider {
  constructor(protected readonly target: UpstreamTarget) {
    super();
  }

  get name(): string {
    return this.target.name;
  }

  get label(): string {
    return this.target.label;
  }

  get mode(): ProviderMode {
    return this.target.mode;
  }

  get account(): string {
    return this.target.account;
  }
}
