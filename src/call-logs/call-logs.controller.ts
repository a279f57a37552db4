import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProtected } from '../auth/api-protected.decorator.js';
import { requireScopes } from '../auth/auth.guard.js';
import { ANONYMOUS } from '../auth/caller.js';
import { scopesNeeded } from './call-log-scopes.js';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponse } from '../http/problem.js';
import { CallLogPageDto } from './call-log.dto.js';
import { CallLogQueryDto } from './call-log-query.dto.js';
import { CallLogsService } from './call-logs.service.js';
import { PageCache } from './page-cache.js';

@ApiTags('call-logs')
@ApiProtected()
@Controller('call-logs')
export class CallLogsController {
  constructor(
    private readonly service: CallLogsService,
    private readonly pages: PageCache,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Call logs of every provider, merged, filtered and paginated',
    description:
      'Records of CINNOX and Kaleyra in one shape and one order. Walk the pages with `page.nextCursor`: every matching record comes exactly once, even while new calls arrive. `meta.providers` says how each provider answered; a provider that failed is reported there while the others still answer.',
  })
  @ApiHeader({
    name: 'Cache-Control',
    required: false,
    description:
      '`no-cache` revalidates the slices of this query with the providers, like `refresh=true`.',
  })
  @ApiHeader({
    name: 'X-Request-Timeout',
    required: false,
    description:
      'Milliseconds the caller will wait; lowers the gateway deadline (REQUEST_DEADLINE_MS), never raises it. Providers that have not answered by then are reported as `upstream_timeout`.',
  })
  @ApiOkResponse({
    type: CallLogPageDto,
    headers: {
      'Cache-Status': {
        description:
          'RFC 9211, one entry per provider, e.g. `gateway-cinnox; hit; ttl=27, gateway-kaleyra; fwd=miss; stored; ttl=30`.',
        schema: { type: 'string' },
      },
      'X-Request-Id': {
        description: 'The request id, also in error bodies and the log.',
        schema: { type: 'string' },
      },
      'Cache-Control': {
        description:
          '`no-store`; for a page of a pinned window (an explicit `until`, or a cursor), `private, max-age=<s>` while its slices are fresh.',
        schema: { type: 'string' },
      },
      RateLimit: {
        description:
          'The caller\'s units left this minute and the seconds until they renew, e.g. `"default";r=598;t=41` (IETF httpapi draft); absent without limits.',
        schema: { type: 'string' },
      },
      'RateLimit-Policy': {
        description: 'The caller\'s limit, e.g. `"default";q=600;w=60`.',
        schema: { type: 'string' },
      },
    },
  })
  @ApiProblemResponse(
    400,
    'A parameter is unknown or does not parse, or the cursor does not fit this query.',
    {
      type: '/problems/invalid-parameters',
      title: 'Invalid parameters',
      detail: 'limit must be a whole number from 1 to 500',
      instance: '/call-logs?limit=0',
      requestId: 'b7f0c3d2-5d1e-4d7e-9d55-3f4f1ce7c0de',
      errors: [{ parameter: 'limit', detail: 'limit must be a whole number from 1 to 500' }],
    },
  )
  @ApiProblemResponse(
    504,
    'No provider answered before the deadline (or, with `strict=true`, one did not).',
    {
      type: '/problems/upstreams-timeout',
      title: 'No provider answered in time',
      detail: 'cinnox: upstream_timeout; kaleyra: upstream_timeout',
      instance: '/call-logs',
      requestId: 'b7f0c3d2-5d1e-4d7e-9d55-3f4f1ce7c0de',
    },
  )
  @ApiProblemResponse(
    502,
    'No provider could answer (or, with `strict=true`, one could not); `providers` says why.',
    {
      type: '/problems/upstreams-unavailable',
      title: 'No provider could answer',
      detail: 'cinnox: upstream_auth; kaleyra: upstream_unavailable',
      instance: '/call-logs',
      requestId: 'b7f0c3d2-5d1e-4d7e-9d55-3f4f1ce7c0de',
    },
  )
  async list(
    @Query() query: CallLogQueryDto,
    @Headers('cache-control') cacheControl: string | undefined,
    @Headers('x-request-timeout') requestTimeout: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | Buffer> {
    const noCache = /(^|,)\s*no-cache\s*(,|$)/i.test(cacheControl ?? '');
    const needs = scopesNeeded(query, noCache);
    requireScopes(request.caller ?? ANONYMOUS, needs);
    const refresh = query.refresh === true || noCache;
    const page = await this.service.list(query, { refresh, requestTimeout });
    // The same URL is answered by this page while it is kept (kept-page-route.ts).
    if (page.keptAs !== undefined && !refresh) this.pages.remember(request.url, page.keptAs, needs);
    void reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('cache-status', page.cacheStatus)
      .header('cache-control', page.cacheControl);
    return page.json;
  }
}
