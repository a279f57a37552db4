import type { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { currentContext } from '../http/request-context.js';

/** Nest's level names, as `LOG_LEVEL` takes them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const PINO_LEVEL: Record<LogLevel, pino.Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

export interface LoggingSettings {
  level: LogLevel;
  /** One JSON object a line, or lines for a person at a terminal. */
  format: 'json' | 'pretty';
  /** Values that must never be written: every configured credential. */
  secrets: readonly string[];
}

/** Headers that carry credentials, wherever a line holds a request's headers. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
];

/**
 * The gateway's logger: pino, one JSON object a line (or pretty for a person), each line written
 * while serving a request carrying its request id and caller, read from the request's context.
 * Credentials never reach the output: headers that hold them are redacted by path, and every
 * configured secret is replaced wherever it appears in a line, in a message or a stack included.
 */
export function createLogger(
  settings: LoggingSettings,
  destination: Writable = process.stdout,
): Logger {
  const sink = settings.format === 'pretty' ? pretty({ sync: true, destination }) : destination;
  return pino(
    {
      level: PINO_LEVEL[settings.level],
      base: { service: 'call-log-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Names, not numbers: what an aggregator's query and a person both read.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: () => {
        const context = currentContext();
        if (context === undefined) return {};
        return context.caller === undefined
          ? { requestId: context.requestId }
          : { requestId: context.requestId, caller: context.caller };
      },
    },
    scrubbing(sink, settings.secrets),
  );
}

/** A destination that writes each line with every secret in it replaced. */
function scrubbing(sink: Writable, secrets: readonly string[]): { write(line: string): void } {
  // Longest first, so that a secret that holds another is replaced whole.
  const values = [...new Set(secrets)]
    .filter((secret) => secret.length >= 4)
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return { write: (line) => void sink.write(line) };
  return {
    write: (line) => {
      let text = line;
      for (const secret of values) {
        if (text.includes(secret)) text = text.replaceAll(secret, '[redacted]');
      }
      sink.write(text);
    },
  };
}
