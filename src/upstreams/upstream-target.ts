import type { OnModuleDestroy } from '@nestjs/common';
import type { ProviderMode } from './call-log-provider.js';

/**
 * Where an upstream is and how to authenticate to it: the configured account, or the built-in
 * simulator standing in for it. The secret is a private field so that logging or serializing the
 * target can never show it.
 */
export class UpstreamTarget implements OnModuleDestroy {
  readonly #secret: string;

  constructor(
    readonly baseUrl: string,
    readonly account: string,
    secret: string,
    readonly mode: ProviderMode,
    private readonly stop: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.#secret = secret;
  }

  secret(): string {
    return this.#secret;
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }
}
