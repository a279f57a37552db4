import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';

/**
 * Nest's logging through pino: every `new Logger(context)` of the code, and Nest's own lines, land
 * in the same JSON stream, with their context as a field.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    // Nest passes a stack before the context; an Error passed as the message has its own.
    const [stack, ...others] = rest;
    const trace = typeof stack === 'string' && stack.includes('\n') ? stack : undefined;
    this.write('error', message, trace === undefined ? rest : others, trace);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    rest: unknown[],
    stack?: string,
  ): void {
    const last = rest.at(-1);
    const context = typeof last === 'string' ? last : undefined;
    const fields = {
      ...(context !== undefined && { context }),
      ...(stack !== undefined && { stack }),
    };
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null)
      this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}
