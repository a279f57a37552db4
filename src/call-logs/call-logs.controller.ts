import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBadGatewayResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ProblemDto } from '../common/problem.js';
import { CallLogPageDto } from './call-log.dto.js';
import { CallLogQueryDto } from './call-log-query.dto.js';
import { CallLogsService } from './call-logs.service.js';

@ApiTags('call-logs')
@Controller('call-logs')
export class CallLogsController {
  constructor(private readonly service: CallLogsService) {}

  @Get()
  @ApiOperation({
    summary: 'Call logs of every provider, merged, filtered and paginated',
    description:
      'Records of CINNOX and Kaleyra in one shape and one order. Walk the pages with `page.nextCursor`: every matching record comes exactly once, even while new calls arrive. `meta.providers` says how each provider answered; a provider that failed is reported there while the others still answer.',
  })
  @ApiOkResponse({ type: CallLogPageDto })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description:
      'A parameter is unknown, does not parse, or the cursor is not valid for this query.',
  })
  @ApiBadGatewayResponse({ type: ProblemDto, description: 'No provider could answer.' })
  list(@Query() query: CallLogQueryDto): Promise<CallLogPageDto> {
    return this.service.list(query);
  }
}
