import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { CacheStore } from '../cache/cache-store.js';
import { MemoryCacheStore } from '../cache/memory-cache-store.js';
import { RedisCacheStore } from '../cache/redis-cache-store.js';
import { PageCache } from '../call-logs/page-cache.js';
import { SliceCache } from '../cache/slice-cache.js';
import { CallLogsController } from '../call-logs/call-logs.controller.js';
import { CallLogsService } from '../call-logs/call-logs.service.js';
import { Clock, SystemClock } from '../domain/clock.js';
import { AppConfig, loadConfig } from './app-config.js';
import { HealthController } from '../health/health.controller.js';
import { MetricsController } from '../metrics/metrics.controller.js';
import { Metrics } from '../metrics/metrics.js';
import { ProvidersModule } from '../upstreams/providers.module.js';

export type Environment = Record<string, string | undefined>;

@Module({})
export class AppModule {
  /**
   * Without an explicit environment, `@nestjs/config` loads `.env` into the process environment,
   * which is then validated before anything starts; tests pass their own environment instead, and
   * a clock of their own, which everything that reads the time shares.
   */
  static async forRoot(
    env?: Environment,
    clock: Clock = new SystemClock(),
  ): Promise<DynamicModule> {
    const imports: DynamicModule[] = [];
    if (env === undefined) imports.push(await ConfigModule.forRoot());
    const config = loadConfig(env ?? process.env);
    return {
      module: AppModule,
      global: true,
      imports: [...imports, ProvidersModule.register(config)],
      controllers: [CallLogsController, HealthController, MetricsController],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock },
        {
          provide: CacheStore,
          inject: [Clock],
          useFactory: (clock: Clock): Promise<CacheStore> | CacheStore =>
            config.cache.redisUrl === undefined
              ? new MemoryCacheStore({ maxEntries: config.cache.maxEntries, clock })
              : RedisCacheStore.connect({
                  url: config.cache.redisUrl,
                  prefix: config.cache.prefix,
                  clock,
                  commandTimeoutMs: config.cache.redisTimeoutMs,
                }),
        },
        Metrics,
        SliceCache,
        PageCache,
        CallLogsService,
      ],
      exports: [AppConfig, Clock, Metrics],
    };
  }
}
