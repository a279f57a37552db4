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

/** The columns' paths, split once. */
const CSV_PATHS = CSV_COLUMNS.map((column) => column.split('.'));

/** What makes an RFC 4180 field need quotes: a comma, a quote, or a line break of any kind. */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One RFC 4180 field: empty for a missing value, JSON for an object, quoted (its quotes doubled)
 * where it must be. Written here rather than with csv-stringify: its sync API sets up a stringifier
 * per call and gathers rows in arrays, which through the dense day's export took the server's peak
 * 35 MiB higher and the export 1.1x as long; and it leaves a lone line feed unquoted.
 */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A row of fields, ended with CRLF. */
function csvLine(fields: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i += 1) line += (i === 0 ? '' : ',') + csvField(fields[i]);
  return `${line}\r\n`;
}

export function csvHeader(includeRaw: boolean): string {
  return csvLine(includeRaw ? [...CSV_COLUMNS, 'raw'] : CSV_COLUMNS);
}

export function csvRows(records: readonly CallLog[], includeRaw: boolean): string {
  let text = '';
  for (const record of records) {
    const row = CSV_PATHS.map((path) => valueAt(record, path));
    if (includeRaw) row.push(record.raw);
    text += csvLine(row);
  }
  return text;
}

function valueAt(record: CallLog, path: readonly string[]): unknown {
  let value: unknown = record;
  for (const key of path) {
    if (value === null || value === undefined) return null;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
