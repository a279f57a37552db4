import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Clock } from '../domain/clock.js';
import type { ProviderMode } from './call-log-provider.js';
import type { ProviderDescriptor, UpstreamIdentity } from './provider-descriptor.js';
import type { UpstreamSettings } from './upstream-config.js';

/**
 * Where an upstream is and how to authenticate to it: the configured account, or the built-in
 * simulator standing in for it. The secret is a private field so that logging or serializing the
 * target can never show it.
 */
export class UpstreamTarget implements UpstreamIdentity, OnModuleDestroy {
  readonly #secret: string;

  constructor(
    readonly name: string,
    readonly label: string,
    readonly baseUrl: string,
    readonly account: string,
    secret: string,
    readonly mode: ProviderMode,
    private readonly stop: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.#secret = secret;
  }

  /**
   * The configured account, or, outside production and without credentials, the provider's
   * simulator started on a free loopback port (configuration refuses the latter in production).
   */
  static async resolve(
    descriptor: ProviderDescriptor,
    credentials: UpstreamSettings['credentials'],
    clock: Clock,
  ): Promise<UpstreamTarget> {
    const { name, label } = descriptor;
    if (credentials !== null) {
      const { baseUrl, account, secret } = credentials;
      return new UpstreamTarget(name, label, baseUrl, account, secret, 'live');
    }
    const sandbox = await descriptor
      .sandbox({ now: () => new Date(clock.now()) })
      .catch((error: unknown) => {
        // A production build leaves the simulators out: without credentials there is nothing to ask.
        if (isMissingModule(error)) {
          throw new Error(
            `${label} has no credentials, and this build leaves the simulators out: configure ${label}'s credentials, or set ${name.toUpperCase()}_ENABLED=false`,
          );
        }
        throw error;
      });
    new Logger('Sandbox').warn(
      `${name.toUpperCase()} RUNS IN SANDBOX MODE: no credentials were configured, so the built-in simulator at ${sandbox.baseUrl} answers instead of ${label}. Its data is generated, not real.`,
    );
    return new UpstreamTarget(
      name,
      label,
      sandbox.baseUrl,
      sandbox.account,
      sandbox.secret,
      'sandbox',
      () => sandbox.close(),
    );
  }

  secret(): string {
    return this.#secret;
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }
}

function isMissingModule(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ERR_MODULE_NOT_FOUND';
}
