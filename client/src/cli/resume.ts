import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import type { ExportFormat, ExportMeta } from '../index.js';
import { ndjsonItem } from './export-items.js';

/** What a file an earlier export wrote says about where the next one goes on from. */
export type Tail =
  /** Nothing worth keeping: start again. */
  | { kind: 'fresh' }
  | { kind: 'complete'; records: number }
  /** It ended incomplete: its meta's cursor (and window) bring the rest. */
  | { kind: 'cursor'; cursor: string; window: ExportMeta['window']; keep: number; records: number }
  /** It was cut off after this record: the rest lies beyond it in the export's order. */
  | { kind: 'after'; last: { startedAt: string; id: string }; keep: number; records: number };

/**
 * Reads what an export left in `file`: the bytes to keep (everything up to its last whole record;
 * a line or row cut off is dropped), how many records they hold, and how to go on.
 */
export async function readTail(file: string, format: ExportFormat): Promise<Tail> {
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (!exists) return { kind: 'fresh' };
  return format === 'csv' ? csvTail(file) : ndjsonTail(file);
}

async function ndjsonTail(file: string): Promise<Tail> {
  let offset = 0;
  let records = 0;
  let rest = Buffer.alloc(0);
  let tail: Tail = { kind: 'fresh' };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let data = Buffer.concat([rest, chunk]);
    for (let end = data.indexOf(10); end >= 0; end = data.indexOf(10)) {
      const line = data.subarray(0, end).toString('utf8');
      const start = offset;
      offset += end + 1;
      data = data.subarray(end + 1);
      const item = ndjsonItem(line);
      if (item.kind === 'meta') {
        tail = item.meta.complete
          ? { kind: 'complete', records }
          : item.meta.resumeCursor === null
            ? { kind: 'fresh' }
            : {
                kind: 'cursor',
                cursor: item.meta.resumeCursor,
                window: item.meta.window,
                keep: start,
                records,
              };
      } else if (item.kind === 'record') {
        records += 1;
        tail = { kind: 'after', last: item, keep: offset, records };
      }
    }
    rest = Buffer.from(data);
  }
  return tail;
}

async function csvTail(file: string): Promise<Tail> {
  const { size } = await stat(file);
  const parser = createReadStream(file).pipe(
    parse({ info: true, record_delimiter: '\r\n', columns: true }),
  );
  let tail: Tail = { kind: 'fresh' };
  let before: Tail = tail;
  let records = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { bytes: number };
    }>) {
      records += 1;
      before = tail;
      tail = {
        kind: 'after',
        last: { startedAt: record.startedAt, id: record.id },
        keep: info.bytes,
        records,
      };
    }
  } catch {
    // A row cut off in a quoted field, or short of fields: what came before it stands.
  }
  // The parser takes the end of the file for the end of a row: a row cut off has no CRLF after it.
  if (tail.kind === 'after' && tail.keep === size && !(await endsWithNewline(file, size))) {
    return before;
  }
  return tail;
}

async function endsWithNewline(file: string, size: number): Promise<boolean> {
  if (size < 2) return false;
  const last = createReadStream(file, { start: size - 2, end: size - 1, encoding: 'latin1' });
  let text = '';
  for await (const chunk of last as AsyncIterable<string>) text += chunk;
  return text === '\r\n';
}
