import { Readable } from 'node:stream';
import { parse as parseSync } from 'csv-parse/sync';
import type { ExportFormat, ExportMeta } from '../index.js';

/** A piece of an export as it came, with what the command needs to know of it. */
export type Item =
  | { kind: 'record'; text: string; startedAt: string; id: string }
  | { kind: 'header'; text: string }
  | { kind: 'meta'; text: string; meta: ExportMeta };

/** The items of an export's body, in order; throws when the body is cut off. */
export function itemsOf(
  body: ReadableStream<Uint8Array>,
  format: ExportFormat,
): AsyncIterable<Item> {
  const bytes = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  return format === 'csv' ? csvItems(bytes) : ndjsonItems(bytes);
}

async function* ndjsonItems(bytes: Readable): AsyncGenerator<Item> {
  let rest = '';
  bytes.setEncoding('utf8');
  for await (const chunk of bytes as AsyncIterable<string>) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) yield ndjsonItem(line);
  }
  // A line without its newline is a line cut off.
  if (rest !== '') throw new Error('the export was cut off in the middle of a line');
}

/** One NDJSON line: a record, or the meta line that ends an export. */
export function ndjsonItem(line: string): Item {
  const value = JSON.parse(line) as { meta?: ExportMeta; startedAt?: string; id?: string };
  if (value.meta !== undefined) return { kind: 'meta', text: `${line}\n`, meta: value.meta };
  return {
    kind: 'record',
    text: `${line}\n`,
    startedAt: String(value.startedAt),
    id: String(value.id),
  };
}

/**
 * The rows of a CSV export as they come. A row ends at a CRLF outside quotes (RFC 4180 escapes a
 * quote by doubling it, so counting quotes tells); its fields are read by csv-parse.
 */
async function* csvItems(bytes: Readable): AsyncGenerator<Item> {
  bytes.setEncoding('utf8');
  let rest = '';
  let quoted = false;
  let columns: { id: number; startedAt: number } | undefined;
  for await (const chunk of bytes as AsyncIterable<string>) {
    const scanFrom = rest.length;
    rest += chunk;
    let start = 0;
    for (let i = scanFrom; i < rest.length; i += 1) {
      const code = rest.charCodeAt(i);
      if (code === QUOTE) quoted = !quoted;
      else if (code === LF && !quoted && i > start && rest.charCodeAt(i - 1) === CR) {
        const text = rest.slice(start, i + 1);
        start = i + 1;
        const fields = fieldsOf(text);
        if (columns === undefined) {
          columns = { id: fields.indexOf('id'), startedAt: fields.indexOf('startedAt') };
          yield { kind: 'header', text };
        } else {
          yield {
            kind: 'record',
            text,
            id: fields[columns.id],
            startedAt: fields[columns.startedAt],
          };
        }
      }
    }
    rest = rest.slice(start);
  }
  if (rest !== '') throw new Error('the export was cut off in the middle of a row');
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

/** A row's fields: split at commas when nothing is quoted, else as csv-parse reads them. */
function fieldsOf(text: string): string[] {
  const row = text.slice(0, -2);
  if (!row.includes('"')) return row.split(',');
  const [fields] = parseSync(row);
  return fields ?? [];
}
