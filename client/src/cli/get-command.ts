import type { Writable } from 'node:stream';
import Table from 'cli-table3';
import type { CallLogsClient, Page } from '../index.js';
import type { Command } from './arguments.js';
import { EXIT } from './export-command.js';

type GetCommand = Extract<Command, { name: 'get' }>;

/**
 * One page: a table on a terminal (the next cursor and any provider's failure on standard error),
 * the page's JSON otherwise. Exits 3 when a provider failed.
 */
export async function runGet(
  command: GetCommand,
  client: CallLogsClient,
  stdout: Writable & { isTTY?: boolean },
  stderr: Writable,
): Promise<number> {
  const page = await client.page(command.query);
  if (stdout.isTTY === true) {
    stdout.write(`${table(page)}\n`);
    if (page.page.nextCursor !== null) stderr.write(`next: --cursor ${page.page.nextCursor}\n`);
  } else {
    stdout.write(`${JSON.stringify(page)}\n`);
  }
  const failed = page.meta.providers.filter((provider) => provider.status === 'error');
  for (const provider of failed) {
    stderr.write(`call-logs: ${provider.provider}: ${provider.error?.code ?? 'error'}\n`);
  }
  return failed.length > 0 ? EXIT.incomplete : EXIT.complete;
}

function table(page: Page): string {
  const rows = new Table({
    head: ['started at', 'provider', 'direction', 'status', 'caller', 'callee', 'seconds'],
  });
  for (const record of page.data) {
    rows.push([
      record.startedAt,
      record.provider,
      record.direction,
      record.status,
      record.caller.number ?? record.caller.name ?? '',
      record.callee.number ?? record.callee.name ?? '',
      record.durationSeconds ?? '',
    ]);
  }
  return rows.toString();
}
