import { Logger } from '@nestjs/common';
import type { ProviderName } from '../domain/call-log.js';
import type { UpstreamSettings } from '../app/app-config.js';
import type { UpstreamTarget } from './upstream-target.js';

type TargetClass<T extends UpstreamTarget> = new (
  ...args: ConstructorParameters<typeof UpstreamTarget>
) => T;

/**
 * The configured account, or, outside production and without credentials, the built-in simulator
 * started on a free loopback port (configuration refuses the latter in production).
 */
export async function upstreamTarget<T extends UpstreamTarget>(
  Target: TargetClass<T>,
  name: ProviderName,
  settings: UpstreamSettings,
  startSandbox: () => Promise<{
    baseUrl: string;
    account: string;
    secret: string;
    close(): Promise<void>;
  }>,
): Promise<T> {
  const live = settings.credentials;
  if (live !== null) return new Target(live.baseUrl, live.account, live.secret, 'live');
  const sandbox = await startSandbox();
  new Logger('Sandbox').warn(
    `${name.toUpperCase()} RUNS IN SANDBOX MODE: no credentials were configured, so the built-in simulator at ${sandbox.baseUrl} answers instead of ${name}. Its data is generated, not real.`,
  );
  return new Target(sandbox.baseUrl, sandbox.account, sandbox.secret, 'sandbox', () =>
    sandbox.close(),
  );
}
