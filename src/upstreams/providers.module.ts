import { type DynamicModule, Module } from '@nestjs/common';
import { CinnoxModule } from '../cinnox/cinnox.module.js';
import { CinnoxProvider } from '../cinnox/cinnox.provider.js';
import type { AppConfig } from '../app/app-config.js';
import { KaleyraModule } from '../kaleyra/kaleyra.module.js';
import { KaleyraProvider } from '../kaleyra/kaleyra.provider.js';
import type { CallLogProvider } from './call-log-provider.js';
import { ProviderRegistry } from './provider-registry.js';

/** Imports the enabled provider modules and collects their providers into the registry. */
@Module({})
export class ProvidersModule {
  static register(config: AppConfig): DynamicModule {
    const modules = [
      { enabled: config.cinnox.enabled, module: CinnoxModule, token: CinnoxProvider },
      { enabled: config.kaleyra.enabled, module: KaleyraModule, token: KaleyraProvider },
    ].filter((entry) => entry.enabled);
    return {
      module: ProvidersModule,
      imports: modules.map((entry) => entry.module),
      providers: [
        {
          provide: ProviderRegistry,
          inject: modules.map((entry) => entry.token),
          useFactory: (...providers: CallLogProvider[]) => new ProviderRegistry(providers),
        },
      ],
      exports: [ProviderRegistry],
    };
  }
}
