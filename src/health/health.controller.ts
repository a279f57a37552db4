import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ProviderRegistry } from '../providers/provider-registry.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly registry: ProviderRegistry) {}

  /** The process is up. */
  @Get('live')
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The gateway can serve: which providers it has, and in which mode. */
  @Get('ready')
  @ApiOkResponse({
    schema: { example: { status: 'ok', providers: [{ provider: 'cinnox', mode: 'live' }] } },
  })
  ready(): { status: 'ok'; providers: Array<{ provider: string; mode: string }> } {
    return {
      status: 'ok',
      providers: this.registry.providers.map((provider) => ({
        provider: provider.name,
        mode: provider.mode,
      })),
    };
  }
}
