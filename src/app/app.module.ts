import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import { AuthGuard } from '../auth/auth.guard.js';
import { AuthSettings } from '../auth/auth-settings.js';
import { Authenticator } from '../auth/authenticator.js';
import { JwtAuthenticator } from '../auth/jwt-authenticator.js';
import { CallerLimits, LimitsSettings } from '../limits/caller-limits.js';
import { CallerLimitsInterceptor } from '../limits/caller-limits.interceptor.js';
import { CacheObserver } from '../cache/cache-observer.js';
import { CallDensity } from '../cache/call-density.js';
import { FirstRounds } from '../call-logs/first-rounds.js';
import { CacheSettings } from '../cache/cache-settings.js';
import { AppLogger } from '../logging/app-logger.js';
import { Tracing } from '../tracing/tracing.js';
import { CacheStore } from '../cache/cache-store.js';
import { MemoryCacheStore } from '../cache/memory-cache-store.js';
import { RedisCacheStore } from '../cache/redis-cache-store.js';
import { DecodedSlices } from '../cache/decoded-slices.js';
import { SliceCache } from '../cache/slice-cache.js';
import { CallLogsController } from '../call-logs/call-logs.controller.js';
import { CallLogsService } from '../call-logs/call-logs.service.js';
import { CallLogExport } from '../call-logs/call-log-export.js';
import { CallLogExportController } from '../call-logs/call-log-export.controller.js';
import { CallLogsSettings } from '../call-logs/call-logs.settings.js';
import { PageCache } from '../call-logs/page-cache.js';
import { PageWalk } from '../call-logs/page-walk.js';
import { ReadAhead } from '../call-logs/read-ahead.js';
import { Clock } from '../domain/clock.js';
import { HealthController } from '../health/health.controller.js';
import { Lifecycle } from '../health/lifecycle.js';
import { MetricsController } from '../metrics/metrics.controller.js';
import { MetricsListener } from '../metrics/metrics-listener.js';
import { Metrics } from '../metrics/metrics.js';
import { PolicyObserver } from '../upstreams/policy-observer.js';
import { ProvidersModule } from '../upstreams/providers.module.js';
import { RateLimitSettings } from '../upstreams/rate-limit/limiter-for.js';
import { AppConfig } from './app-config.js';

/**
 * The gateway: every layer gets its own part of the configuration, and the clock everything that
 * reads the time shares (a test gives its own).
 */
@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    clock: Clock,
    tracing: Tracing,
    logger: AppLogger,
  ): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [ProvidersModule.register(config.providers)],
      controllers: [
        CallLogsController,
        CallLogExportController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock },
        { provide: RateLimitSettings, useValue: config.rateLimits },
        { provide: CacheSettings, useValue: config.cache },
        { provide: CallLogsSettings, useValue: config.callLogs },
        { provide: AuthSettings, useValue: config.auth },
        { provide: LimitsSettings, useValue: config.limits },
        {
          provide: Authenticator,
          useFactory: (): Authenticator | null => authenticatorFor(config.auth),
        },
        AuthGuard,
        { provide: APP_GUARD, useExisting: AuthGuard },
        {
          provide: CallerLimits,
          useFactory: () => new CallerLimits(config.limits),
        },
        { provide: APP_INTERCEPTOR, useClass: CallerLimitsInterceptor },
        { provide: Tracing, useValue: tracing },
        { provide: AppLogger, useValue: logger },
        Lifecycle,
        Metrics,
        { provide: CacheObserver, useExisting: Metrics },
        {
          provide: MetricsListener,
          inject: [Metrics],
          useFactory: (metrics: Metrics) =>
            new MetricsListener(metrics, config.metricsPort, config.http.host),
        },
        { provide: PolicyObserver, useExisting: Metrics },
        {
          provide: CacheStore,
          useFactory: (): Promise<CacheStore> | CacheStore =>
            config.cache.redisUrl === undefined
              ? new MemoryCacheStore({ maxBytes: config.cache.storeMaxBytes, clock })
              : RedisCacheStore.connect({
                  url: config.cache.redisUrl,
                  prefix: config.cache.prefix,
                  clock,
                  commandTimeoutMs: config.cache.redisTimeoutMs,
                }),
        },
        CallDensity,
        {
          provide: DecodedSlices,
          useFactory: () => new DecodedSlices(config.cache.decodedMaxBytes, clock),
        },
        SliceCache,
        PageCache,
        FirstRounds,
        PageWalk,
        ReadAhead,
        CallLogsService,
        CallLogExport,
      ],
      exports: [AppConfig, Clock, Metrics, PolicyObserver, RateLimitSettings, Tracing],
    };
  }
}

/** How callers prove who they are; null with `AUTH_MODE=none`, where nobody has to. */
function authenticatorFor(auth: AuthSettings): Authenticator | null {
  switch (auth.mode) {
    case 'api-key':
      return new ApiKeyAuthenticator(auth.keys);
    case 'jwt':
      return auth.jwt === undefined ? null : new JwtAuthenticator(auth.jwt, auth.defaults);
    case 'none':
      return null;
  }
}
