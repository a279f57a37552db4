import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { truncate } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { CallLogsClient, ExportMeta } from '../index.js';
import type { Command } from './arguments.js';
import { itemsOf } from './export-items.js';
import { progressOn } from './progress.js';
import { readTail } from './resume.js';

type ExportCommand = Extract<Command, { name: 'export' }>;

export const EXIT = { complete: 0, failed: 1, usage: 2, incomplete: 3 } as const;

/**
 * Writes an export to its file (or standard output), with its progress on standard error; with
 * `--resume`, goes on from what the file holds. Returns the exit code.
 */
export async function runExport(
  command: ExportCommand,
  client: CallLogsClient,
  stdout: Writable,
  stderr: NodeJS.WriteStream,
): Promise<number> {
  const order = command.query.sort === 'startedAt' ? 'asc' : 'desc';
  let query = { ...command.query };
  /** Records the file holds already, which the export gives again: skipped. */
  let written: (startedAt: string, id: string) => boolean = () => false;
  let appending = false;
  let records = 0;
  if (command.resume && command.out !== undefined) {
    const tail = await readTail(command.out, command.format);
    switch (tail.kind) {
      case 'complete':
        stderr.write(
          `call-logs: ${command.out} holds a complete export (${tail.records} records)\n`,
        );
        return EXIT.complete;
      case 'cursor':
        // The cursor belongs to the window of the export that wrote it.
        query = { ...query, ...tail.window, resumeCursor: tail.cursor };
        break;
      case 'after': {
        // The rest lies beyond the last record in the export's order; records at its very start
        // time come again and are skipped up to it.
        const at = Date.parse(tail.last.startedAt);
        const { id } = tail.last;
        if (order === 'desc') {
          query = { ...query, until: new Date(at + 1).toISOString() };
          written = (startedAt, other) => Date.parse(startedAt) === at && other >= id;
        } else {
          query = { ...query, since: new Date(at).toISOString() };
          written = (startedAt, other) => Date.parse(startedAt) === at && other <= id;
        }
        break;
      }
      case 'fresh':
        break;
    }
    if (tail.kind !== 'fresh') {
      await truncate(command.out, tail.keep);
      appending = true;
      records = tail.records;
    }
  }

  const body = await client.export(query, command.format);
  const out =
    command.out === undefined
      ? stdout
      : createWriteStream(command.out, { flags: appending ? 'a' : 'w' });
  const progress = progressOn(stderr, command.query, order, records);
  let meta: ExportMeta | undefined;
  let batch = '';
  const flush = async (): Promise<void> => {
    if (batch !== '' && !out.write(batch)) await once(out, 'drain');
    batch = '';
  };
  let cut: unknown;
  try {
    for await (const item of itemsOf(body, command.format)) {
      if (item.kind === 'header' && appending) continue;
      if (item.kind === 'record') {
        if (written(item.startedAt, item.id)) continue;
        progress.advance(1, item.startedAt);
      }
      if (item.kind === 'meta') meta = item.meta;
      batch += item.text;
      if (batch.length >= 65_536) await flush();
    }
  } catch (error) {
    cut = error;
  }
  await flush();
  const whole = cut === undefined && (command.format === 'csv' || meta?.complete === true);
  progress.finish(whole);
  if (out !== stdout) {
    out.end();
    await once(out, 'finish');
  }
  if (cut !== undefined || (command.format === 'ndjson' && meta === undefined)) {
    stderr.write(
      `call-logs: the export was cut off${cut instanceof Error ? ` (${cut.message})` : ''}; run it again with --resume${command.out === undefined ? ' and --out FILE' : ''}\n`,
    );
    return EXIT.incomplete;
  }
  if (meta !== undefined && !meta.complete) {
    const failures = meta.providers
      .filter((provider) => provider.error !== undefined)
      .map((provider) => `${provider.provider}: ${provider.error?.code ?? 'error'}`)
      .join('; ');
    stderr.write(
      `call-logs: incomplete (${failures}); run it again with --resume to fetch the rest\nresumeCursor: ${meta.resumeCursor}\n`,
    );
    return EXIT.incomplete;
  }
  return EXIT.complete;
}
