import type { DynamicModule } from '@nestjs/common';
import type { Environment } from '../config/read-variables.js';
import type { ProviderName } from '../domain/call-log.js';
import type { CallLogProvider } from './call-log-provider.js';
import type { Configured, UpstreamSettings } from './upstream-config.js';

/** A provider's name and how people write it. */
export interface UpstreamIdentity {
  /** Lowercase: the value of `provider` in records, queries, cursors, metrics and cache keys. */
  readonly name: ProviderName;
  /** As it appears in messages: `CINNOX`, `Kaleyra`. */
  readonly label: string;
}

/** Where a simulator listens (a free loopback port by default), and the clock it runs on. */
export interface SandboxOptions {
  now: () => Date;
  host?: string;
  port?: number;
}

/** A simulator standing in for an upstream: where it listens, and the credentials it takes. */
export interface SandboxUpstream {
  baseUrl: string;
  account: string;
  secret: string;
  close(): Promise<void>;
}

/**
 * Everything the gateway needs to know of a provider, in one place: a provider is a folder of its
 * own and its descriptor in the gateway's list of providers. The gateway adds what every provider
 * has (the HTTP client, the upstream target, the resilience policy) to the module it gets here.
 */
export interface ProviderDescriptor<
  S extends UpstreamSettings = UpstreamSettings,
> extends UpstreamIdentity {
  /** Reads and checks the provider's variables. */
  configure(env: Environment, production: boolean): Configured<S>;
  /** The provider's own classes, for these settings; the module exports `token`. */
  module(settings: S): DynamicModule;
  /** The CallLogProvider the module provides. */
  readonly token: abstract new (...args: never[]) => CallLogProvider;
  /**
   * Starts the built-in simulator that stands in when no credentials are configured. Its code is
   * loaded only then, and a production build leaves it out.
   */
  sandbox(options: SandboxOptions): Promise<SandboxUpstream>;
}
