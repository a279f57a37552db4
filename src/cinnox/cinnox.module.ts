import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { Clock } from '../domain/clock.js';
import { AppConfig } from '../app/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { policyFor } from '../upstreams/provider-policy.js';
import { upstreamTarget } from '../upstreams/sandbox-target.js';
import { CinnoxPolicy, CinnoxClient, CinnoxTarget } from './cinnox.client.js';
import { CinnoxProvider } from './cinnox.provider.js';
import { CinnoxSimulator } from './sandbox/cinnox.simulator.js';

@Module({
  imports: [
    // No axios timeout: the policy's timeout bounds every attempt and aborts it through its signal.
    HttpModule,
  ],
  providers: [
    {
      provide: CinnoxPolicy,
      inject: [AppConfig, CinnoxTarget, Metrics],
      useFactory: (config: AppConfig, target: CinnoxTarget, metrics: Metrics) =>
        policyFor(CinnoxPolicy, 'cinnox', config.cinnox, target, config, metrics),
    },
    {
      provide: CinnoxTarget,
      inject: [AppConfig, Clock],
      useFactory: (config: AppConfig, clock: Clock) =>
        upstreamTarget(CinnoxTarget, 'cinnox', config.cinnox, async () => {
          const simulator = await CinnoxSimulator.start({ now: () => new Date(clock.now()) });
          const { appId, appToken } = CinnoxSimulator.credentials;
          return {
            baseUrl: simulator.baseUrl,
            account: appId,
            secret: appToken,
            close: () => simulator.close(),
          };
        }),
    },
    CinnoxClient,
    CinnoxProvider,
  ],
  exports: [CinnoxProvider],
})
export class CinnoxModule {}
