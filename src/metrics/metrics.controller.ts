import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScopes } from '../auth/access.decorators.js';
import { ApiProtected } from '../auth/api-protected.decorator.js';
import { Metrics } from './metrics.js';

@ApiTags('health')
@RequireScopes('metrics')
@ApiProtected()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  /** Prometheus text format: upstream requests, retries, latency, circuits and rate-limiter waits. */
  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (needs the metrics scope)' })
  @ApiOkResponse({
    description: 'Prometheus text exposition format.',
    content: { 'text/plain': {} },
  })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
