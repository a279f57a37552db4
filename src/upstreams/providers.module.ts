import { HttpModule } from '@nestjs/axios';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { Clock } from '../domain/clock.js';
import type { CallLogProvider } from './call-log-provider.js';
import { PolicyObserver } from './policy-observer.js';
import type { ProviderDescriptor } from './provider-descriptor.js';
import { ProviderPolicy } from './provider-policy.js';
import { ProviderRegistry } from './provider-registry.js';
import { RateLimitSettings, limiterFor } from './rate-limit/limiter-for.js';
import type { UpstreamSettings } from './upstream-config.js';
import { Tracing } from '../tracing/tracing.js';
import { UpstreamTarget } from './upstream-target.js';

/** A provider of the gateway's list, with the settings its variables gave. */
export interface ConfiguredProvider {
  descriptor: ProviderDescriptor;
  settings: UpstreamSettings;
}

/**
 * Imports every enabled provider's module, with what every provider has added to it (the HTTP
 * client, its upstream target and its resilience policy), and collects the providers into the
 * registry, in the order of the gateway's list.
 */
@Module({})
export class ProvidersModule {
  static register(providers: readonly ConfiguredProvider[]): DynamicModule {
    const enabled = providers.filter(({ settings }) => settings.enabled);
    return {
      module: ProvidersModule,
      imports: enabled.map(upstreamModule),
      providers: [
        {
          provide: ProviderRegistry,
          inject: enabled.map(({ descriptor }) => descriptor.token),
          useFactory: (...found: CallLogProvider[]) =>
            new ProviderRegistry(
              providers.map(({ descriptor }) => descriptor.name),
              found,
            ),
        },
      ],
      exports: [ProviderRegistry],
    };
  }
}

/** A provider's own module, with the parts every provider has. */
function upstreamModule({ descriptor, settings }: ConfiguredProvider): DynamicModule {
  const own = descriptor.module(settings);
  const common: Provider[] = [
    {
      provide: UpstreamTarget,
      inject: [Clock],
      useFactory: (clock: Clock) => UpstreamTarget.resolve(descriptor, settings.credentials, clock),
    },
    {
      provide: ProviderPolicy,
      inject: [UpstreamTarget, RateLimitSettings, PolicyObserver, Tracing],
      useFactory: async (
        target: UpstreamTarget,
        rateLimits: RateLimitSettings,
        observer: PolicyObserver,
        tracing: Tracing,
      ) => {
        const limiter = await limiterFor(descriptor, settings.ratePerMinute, rateLimits);
        const account = `${descriptor.name}:${target.account}`;
        return new ProviderPolicy(
          descriptor,
          settings.policy,
          limiter === null ? null : { limiter, account },
          observer,
          tracing.tracer,
        );
      },
    },
  ];
  return {
    ...own,
    // No axios timeout: the policy's timeout bounds every attempt and aborts it through its signal.
    imports: [HttpModule, ...(own.imports ?? [])],
    providers: [...common, ...(own.providers ?? [])],
  };
}
