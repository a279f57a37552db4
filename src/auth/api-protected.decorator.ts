import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiProblemResponse } from '../http/problem.js';

const EXAMPLE_ID = 'b7f0c3d2-5d1e-4d7e-9d55-3f4f1ce7c0de';

/**
 * Documents a route that needs a caller: an API key as `X-API-Key` or a Bearer key or token, and
 * the answers for none (401), a missing scope (403) and a caller over its limits (429).
 */
export function ApiProtected(): ClassDecorator {
  return applyDecorators(
    ApiSecurity('apiKey'),
    ApiBearerAuth('bearer'),
    ApiProblemResponse(
      401,
      'No credentials, or credentials that name no caller; `WWW-Authenticate` says how to send them.',
      {
        type: '/problems/unauthenticated',
        title: 'Unauthenticated',
        detail: 'send an API key as X-API-Key or Authorization: Bearer',
        instance: '/call-logs',
        requestId: EXAMPLE_ID,
      },
      {
        'WWW-Authenticate': {
          description: '`Bearer realm="call-logs"`',
          schema: { type: 'string' },
        },
      },
    ),
    ApiProblemResponse(403, 'The caller lacks a scope the route or a parameter needs.', {
      type: '/problems/forbidden',
      title: 'Forbidden',
      detail: 'includeRaw=true needs the raw scope',
      instance: '/call-logs?includeRaw=true',
      requestId: EXAMPLE_ID,
    }),
    ApiProblemResponse(
      429,
      'The caller has spent its units of this minute, or has as many requests in flight as it may.',
      {
        type: '/problems/rate-limited',
        title: 'Too many requests',
        detail: 'reports-app has spent its 600 units of this minute',
        instance: '/call-logs',
        requestId: EXAMPLE_ID,
      },
      {
        'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } },
        RateLimit: { description: '`"default";r=0;t=42`', schema: { type: 'string' } },
        'RateLimit-Policy': { description: '`"default";q=600;w=60`', schema: { type: 'string' } },
      },
    ),
  );
}
