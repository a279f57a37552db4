import type { Logger } from 'pino';

/** The gateway's pino logger, for what runs outside Nest's logger (the shutdown). */
export class AppLogger {
  constructor(readonly pino: Logger) {}
}
