import { parseArgs } from 'node:util';
import type { ExportFormat, ExportQuery, PageQuery } from '../index.js';

/** Arguments that do not make a command: the exit code 2, with what is wrong. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage:
  call-logs export --url URL --since TIME [--until TIME] [filters] [--format ndjson|csv] [--out FILE] [--resume]
  call-logs get    --url URL [--since TIME] [--until TIME] [filters] [--limit N] [--cursor CURSOR]

  --url URL          the gateway (or CALL_LOGS_URL)
  --api-key KEY      sent as X-API-Key (or CALL_LOGS_API_KEY, which keeps it out of the process list)
  --since, --until   RFC 3339 instants; an export's --until defaults to now, and is pinned
  filters            --provider, --status, --direction, --call-id, --number, --bridge-number,
                     --media-type, --min-duration, --max-duration, --sort, --include-raw
  --format           ndjson (default) or csv
  --out FILE         write the export there instead of to standard output
  --resume           go on with an export of FILE that was cut off or incomplete

Exit codes: 0 complete, 1 failed, 2 bad arguments, 3 incomplete (a provider failed; resume later).`;

/** Query parameters by the flag that gives them. */
const FILTERS = {
  provider: 'provider',
  status: 'status',
  direction: 'direction',
  'call-id': 'callId',
  number: 'number',
  'bridge-number': 'bridgeNumber',
  'media-type': 'mediaType',
  'min-duration': 'minDuration',
  'max-duration': 'maxDuration',
  sort: 'sort',
} as const;

const OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  'include-raw': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...Object.fromEntries(Object.keys(FILTERS).map((flag) => [flag, { type: 'string' }])),
} as const;

export interface Common {
  url: string;
  apiKey: string | undefined;
}

export type Command =
  | { name: 'help' }
  | (Common & {
      name: 'export';
      query: ExportQuery & { since: string; until: string };
      format: ExportFormat;
      out: string | undefined;
      resume: boolean;
    })
  | (Common & { name: 'get'; query: PageQuery });

/** The command the arguments name; throws UsageError when they do not make one. */
export function readCommand(argv: readonly string[], env: NodeJS.ProcessEnv, now: Date): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const flags = values as Record<string, string | boolean | undefined>;
  const text = (flag: string): string | undefined => {
    const value = flags[flag];
    return typeof value === 'string' ? value : undefined;
  };
  if (flags.help === true || positionals.length === 0) return { name: 'help' };
  const [name, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
  if (name !== 'export' && name !== 'get') throw new UsageError(`unknown command: ${name}`);
  const url = text('url') ?? env.CALL_LOGS_URL;
  if (url === undefined) throw new UsageError('--url (or CALL_LOGS_URL) is required');
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--url must be an http(s) URL: ${url}`);
  const common = { url, apiKey: text('api-key') ?? env.CALL_LOGS_API_KEY };
  const filters: Record<string, string | boolean> = {};
  for (const [flag, parameter] of Object.entries(FILTERS)) {
    const value = text(flag);
    if (value !== undefined) filters[parameter] = value;
  }
  if (flags['include-raw'] === true) filters.includeRaw = true;
  const window = {
    ...(text('since') !== undefined && { since: text('since') }),
    ...(text('until') !== undefined && { until: text('until') }),
  };
  if (name === 'get') {
    for (const flag of ['format', 'out', 'resume'] as const) {
      if (flags[flag] !== undefined) throw new UsageError(`--${flag} belongs to export`);
    }
    const limit = text('limit');
    if (limit !== undefined && !/^\d+$/.test(limit)) throw new UsageError('--limit is a number');
    return {
      name,
      ...common,
      query: {
        ...filters,
        ...window,
        ...(limit !== undefined && { limit: Number(limit) }),
        ...(text('cursor') !== undefined && { cursor: text('cursor') }),
      },
    };
  }
  for (const flag of ['limit', 'cursor'] as const) {
    if (flags[flag] !== undefined) throw new UsageError(`--${flag} belongs to get`);
  }
  const since = window.since;
  if (since === undefined) throw new UsageError('export needs --since');
  const format = text('format') ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv') throw new UsageError('--format is ndjson or csv');
  const out = text('out');
  const resume = flags.resume === true;
  if (resume && out === undefined) throw new UsageError('--resume needs --out FILE');
  return {
    name,
    ...common,
    // The window is pinned, so that a resumed export asks for the same one.
    query: { ...filters, since, until: window.until ?? now.toISOString() },
    format,
    out,
    resume,
  };
}
