import type { Readable } from 'node:stream';
import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProtected } from '../auth/api-protected.decorator.js';
import { requireScopes } from '../auth/auth.guard.js';
import { ANONYMOUS } from '../auth/caller.js';
import { ApiProblemResponse } from '../http/problem.js';
import { CallLogExport } from './call-log-export.js';
import { CallLogExportQueryDto } from './call-log-export-query.dto.js';
import { scopesNeeded } from './call-log-scopes.js';
import { CSV_COLUMNS, MEDIA_TYPES, formatAccepted } from './export-formats.js';

const NDJSON_EXAMPLE = [
  '{"id":"cinnox:c0ffee01","provider":"cinnox","providerCallId":"c0ffee01","direction":"inbound","status":"completed","startedAt":"2026-11-21T08:00:00.000Z", ...}',
  '{"meta":{"providers":[{"provider":"cinnox","status":"ok","records":1, ...}],"window":{"since":"2026-11-21T00:00:00.000Z","until":"2026-11-22T00:00:00.000Z"},"complete":true,"resumeCursor":null,"records":1}}',
].join('\n');

@ApiTags('call-logs')
@ApiProtected()
@Controller('call-logs')
export class CallLogExportController {
  constructor(private readonly exports: CallLogExport) {}

  @Get('export')
  @ApiOperation({
    summary: 'A whole window of call logs as one stream: NDJSON or CSV',
    description: `Every record of the window, in order, streamed as it is read (the same filters and record shape as \`/call-logs\`; windows up to MAX_EXPORT_DAYS). NDJSON ends with a line \`{"meta": {...}}\`: each provider's outcome, \`complete\`, and, when a provider failed, a \`resumeCursor\` that brings exactly the rest (pass it as \`resumeCursor\`, or as \`cursor\` to \`/call-logs\`). CSV has no place for that: a failure cuts the transfer off, so an incomplete file never looks complete. CSV columns: ${CSV_COLUMNS.join(', ')}, and \`raw\` (JSON) with \`includeRaw=true\`.`,
  })
  @ApiOkResponse({
    description: 'The records, streamed.',
    content: {
      [MEDIA_TYPES.ndjson]: {
        schema: { type: 'string', description: 'One JSON record a line, then the meta line.' },
        example: NDJSON_EXAMPLE,
      },
      [MEDIA_TYPES.csv]: {
        schema: { type: 'string', description: 'RFC 4180, with a header row.' },
        example: `${CSV_COLUMNS.join(',')}\r\n`,
      },
    },
  })
  @ApiProblemResponse(
    400,
    'A parameter is unknown or does not parse, or the resume cursor does not fit this query.',
    {
      type: '/problems/invalid-parameters',
      title: 'Invalid parameters',
      detail: 'format must be one of: ndjson, csv',
      instance: '/call-logs/export?format=xml',
      requestId: 'b7f0c3d2-5d1e-4d7e-9d55-3f4f1ce7c0de',
      errors: [{ parameter: 'format', detail: 'format must be one of: ndjson, csv' }],
    },
  )
  export(
    @Query() query: CallLogExportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Readable {
    requireScopes(request.caller ?? ANONYMOUS, scopesNeeded(query, false));
    const format = query.format ?? formatAccepted(accept) ?? 'ndjson';
    const stream = this.exports.open(query, format);
    void reply
      .header('content-type', `${MEDIA_TYPES[format]}; charset=utf-8`)
      .header('content-disposition', `attachment; filename="call-logs.${format}"`);
    return stream;
  }
}
