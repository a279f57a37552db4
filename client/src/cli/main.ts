#!/usr/bin/env node
import { CallLogsError, createCallLogsClient } from '../index.js';
import { USAGE, UsageError, readCommand } from './arguments.js';
import { EXIT, runExport } from './export-command.js';
import { runGet } from './get-command.js';

/** `call-logs export|get`: the gateway's whole windows and single pages from a shell. */
async function main(): Promise<number> {
  let command;
  try {
    command = readCommand(process.argv.slice(2), process.env, new Date());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`call-logs: ${error.message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (command.name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.complete;
  }
  const client = createCallLogsClient({ baseUrl: command.url, apiKey: command.apiKey });
  try {
    return command.name === 'export'
      ? await runExport(command, client, process.stdout, process.stderr)
      : await runGet(command, client, process.stdout, process.stderr);
  } catch (error) {
    if (error instanceof CallLogsError) {
      process.stderr.write(`call-logs: the gateway answered ${error.status}: ${error.message}\n`);
      // The gateway refused the arguments, or the credentials that came with them.
      return [400, 401, 403].includes(error.status) ? EXIT.usage : EXIT.failed;
    }
    process.stderr.write(`call-logs: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}

process.exitCode = await main();
