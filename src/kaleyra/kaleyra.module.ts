import { type DynamicModule, Module } from '@nestjs/common';
import { KaleyraClient, KaleyraSettings } from './kaleyra.client.js';
import type { KaleyraUpstreamSettings } from './kaleyra.config.js';
import { KaleyraProvider } from './kaleyra.provider.js';

/** Kaleyra's own classes; the gateway adds the HTTP client, the target and the policy. */
@Module({})
export class KaleyraModule {
  static register(settings: KaleyraUpstreamSettings): DynamicModule {
    return {
      module: KaleyraModule,
      providers: [
        {
          provide: KaleyraSettings,
          useValue: new KaleyraSettings(settings.method, settings.pageSize),
        },
        KaleyraClient,
        KaleyraProvider,
      ],
      exports: [KaleyraProvider],
    };
  }
}
