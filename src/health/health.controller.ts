import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/access.decorators.js';
import { CacheStore } from '../cache/cache-store.js';
import type { StoreHealth } from '../redis/store-health.js';
import { ProviderRegistry } from '../upstreams/provider-registry.js';
import { Lifecycle } from './lifecycle.js';

interface Readiness {
  /**
   * `degraded`: serving, without the shared cache (every request goes to the providers);
   * `draining`: shutting down, answered 503 so that no new request is sent.
   */
  status: 'ok' | 'degraded' | 'draining';
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
    private readonly lifecycle: Lifecycle,
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
  @ApiServiceUnavailableResponse({ description: 'Shutting down: `status` is `draining`.' })
  ready(@Res({ passthrough: true }) reply: FastifyReply): Readiness {
    const cache = this.cache.health();
    if (this.lifecycle.draining) void reply.code(503);
    return {
      status: this.lifecycle.draining ? 'draining' : cache.status,
      cache,
      providers: this.registry.providers.map((provider) => ({
        provider: provider.name,
        mode: provider.mode,
      })),
    };
  }
}
