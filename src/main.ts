import { Logger } from '@nestjs/common';
import { AppConfig } from './app/app-config.js';
import { createApp } from './app/create-app.js';
import { drain } from './app/shutdown.js';
import { ConfigValidationError } from './config/read-variables.js';
import { AppLogger } from './logging/app-logger.js';

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const config = app.get(AppConfig);
  const { port, host } = config.http;
  await app.listen(port, host);
  new Logger('Gateway').log(
    `Listening on ${await app.getUrl()}; Swagger UI at /docs, OpenAPI at /docs-json`,
  );
  const logger = app.get(AppLogger).pino;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void drain(app, logger, config.shutdown, signal).then((code) => process.exit(code));
    });
  }
}

bootstrap().catch((error: unknown) => {
  // A configuration error is the operator's to fix: say which variables, without a stack trace.
  new Logger('Gateway').fatal(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
