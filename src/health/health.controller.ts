import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorators.js';
import { CacheStore } from '../cache/cache-store.js';
import type { StoreHealth } from '../redis/store-health.js';
import { ProviderRegistry } from '../upstreams/provider-registry.js';

interface Readiness {
  /** `degraded`: serving, without the shared cache (every request goes to the providers). */
  status: 'ok' | 'degraded';
  cache: StoreHealth;
  providers: Array<{ provider: string; mode: string }>;
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly cache: CacheStore,
  ) {}

  /** The process is up. */
  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * The gateway can serve. A cache that cannot be reached makes it `degraded`, not unready: requests
   * still succeed from the providers, so a load balancer should keep sending them.
   */
  @Get('ready')
  @ApiOperation({
    summary: 'The gateway can serve: ok, or degraded (the shared cache cannot be reached)',
  })
  @ApiOkResponse({
    schema: {
      example: {
        status: 'degraded',
        cache: { store: 'redis', status: 'degraded', detail: 'circuit open after 5 failures' },
        providers: [{ provider: 'cinnox', mode: 'live' }],
      },
    },
  })
  ready(): Readiness {
    const cache = this.cache.health();
    return {
      status: cache.status,
      cache,
      providers: this.registry.providers.map((provider) => ({
        provider: provider.name,
        mode: provider.mode,
      })),
    };
  }
}
