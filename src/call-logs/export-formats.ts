import { stringify } from 'csv-stringify/sync';
import type { CallLog } from '../domain/call-log.js';
import type { ProviderMetaDto } from './call-log.dto.js';
import type { ExportFormat } from './call-log-export-query.dto.js';
import { withoutRaw } from './page-presenter.js';

/** How an export ended: the last line of an NDJSON export, as `{"meta": ...}`. */
export interface ExportMeta {
  providers: ProviderMetaDto[];
  window: { since: string; until: string };
  /** Every provider answered for the whole window. */
  complete: boolean;
  /** When not complete: followed by a later export (or `/call-logs`), brings exactly the rest. */
  resumeCursor: string | null;
  records: number;
}

export const MEDIA_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
};

/** The format `Accept` names first among those an export has, if any. */
export function formatAccepted(accept: string | undefined): ExportFormat | undefined {
  const named = (accept ?? '').split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  for (const type of named) {
    if (type === MEDIA_TYPES.ndjson) return 'ndjson';
    if (type === MEDIA_TYPES.csv) return 'csv';
  }
  return undefined;
}

const PARTY = ['number', 'name', 'staffId', 'isStaff', 'country'] as const;
const LOCATION = ['city', 'province', 'regionCode', 'subdivision'] as const;

/** The CSV columns: every field of a record, a nested one named by its path. */
export const CSV_COLUMNS: readonly string[] = [
  'id',
  'provider',
  'providerCallId',
  'direction',
  'status',
  'statusRaw',
  'startedAt',
  'endedAt',
  'durationSeconds',
  ...['caller', 'callee'].flatMap((party) => [
    ...PARTY.map((field) => `${party}.${field}`),
    ...LOCATION.map((field) => `${party}.location.${field}`),
  ]),
  'mediaType',
  'endReason',
  'endedBy',
  'bridgeNumber',
  'cost.amount',
  'cost.unit',
];

/** One record a line, in the `/call-logs` record shape. */
export function ndjsonLines(records: readonly CallLog[], includeRaw: boolean): string {
  let text = '';
  for (const record of records)
    text += `${JSON.stringify(includeRaw ? record : withoutRaw(record))}\n`;
  return text;
}

export function ndjsonMeta(meta: ExportMeta): string {
  return `${JSON.stringify({ meta })}\n`;
}

/** RFC 4180: fields quoted where they must be, lines ended with CRLF. */
const CSV_OPTIONS = {
  record_delimiter: 'windows',
  cast: {
    boolean: (value: boolean) => String(value),
    object: (value: object) => JSON.stringify(value),
  },
} as const;

export function csvHeader(includeRaw: boolean): string {
  return stringify([includeRaw ? [...CSV_COLUMNS, 'raw'] : CSV_COLUMNS], CSV_OPTIONS);
}

export function csvRows(records: readonly CallLog[], includeRaw: boolean): string {
  return stringify(
    records.map((record) => {
      const row = CSV_COLUMNS.map((column) => valueAt(record, column));
      return includeRaw ? [...row, record.raw] : row;
    }),
    CSV_OPTIONS,
  );
}

function valueAt(record: CallLog, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (value === null || value === undefined) return null;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
