import { OmitType } from '@nestjs/swagger';
import { OneOf, Text } from '../http/query-params.js';
import { CallLogQueryDto } from './call-log-query.dto.js';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * The query parameters of `GET /call-logs/export`: the filters of `/call-logs`, without the page
 * (`limit`, `cursor`) and without what a whole window does not take (`refresh`, `strict`).
 */
export class CallLogExportQueryDto extends OmitType(CallLogQueryDto, [
  'limit',
  'cursor',
  'refresh',
  'strict',
] as const) {
  @Text(
    'The `resumeCursor` of an export that did not complete (its last line), or a cursor of `/call-logs` asked with the same filters: the export goes on from there.',
    'eyJ2IjoxfQ.c2lnbmF0dXJl',
    2048,
  )
  resumeCursor?: string;

  @OneOf(
    EXPORT_FORMATS,
    'NDJSON (one record a line, then a `meta` line) or CSV (RFC 4180, a header row). Default: from `Accept` (`application/x-ndjson`, `text/csv`), else NDJSON.',
  )
  format?: ExportFormat;
}
