import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { Clock } from '../domain/clock.js';
import { AppConfig } from '../app/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { policyFor } from '../upstreams/provider-policy.js';
import { upstreamTarget } from '../upstreams/sandbox-target.js';
import { KaleyraPolicy, KaleyraClient, KaleyraSettings, KaleyraTarget } from './kaleyra.client.js';
import { KaleyraProvider } from './kaleyra.provider.js';
import { KaleyraSimulator } from './sandbox/kaleyra.simulator.js';

@Module({
  imports: [
    // No axios timeout: the policy's timeout bounds every attempt and aborts it through its signal.
    HttpModule,
  ],
  providers: [
    {
      provide: KaleyraPolicy,
      inject: [AppConfig, KaleyraTarget, Metrics],
      useFactory: (config: AppConfig, target: KaleyraTarget, metrics: Metrics) =>
        policyFor(KaleyraPolicy, 'kaleyra', config.kaleyra, target, config, metrics),
    },
    {
      provide: KaleyraTarget,
      inject: [AppConfig, Clock],
      useFactory: (config: AppConfig, clock: Clock) =>
        upstreamTarget(KaleyraTarget, 'kaleyra', config.kaleyra, async () => {
          const simulator = await KaleyraSimulator.start({ now: () => new Date(clock.now()) });
          const { sid, apiKey } = KaleyraSimulator.credentials;
          return {
            baseUrl: simulator.baseUrl,
            account: sid,
            secret: apiKey,
            close: () => simulator.close(),
          };
        }),
    },
    {
      provide: KaleyraSettings,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new KaleyraSettings(config.kaleyra.method, config.kaleyra.pageSize),
    },
    KaleyraClient,
    KaleyraProvider,
  ],
  exports: [KaleyraProvider],
})
export class KaleyraModule {}
