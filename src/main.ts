import { Logger } from '@nestjs/common';
import { createApp } from './app/create-app.js';
import { AppConfig } from './app/app-config.js';
import { ConfigValidationError } from './config/read-variables.js';

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const { port, host } = app.get(AppConfig).http;
  await app.listen(port, host);
  new Logger('Gateway').log(
    `Listening on ${await app.getUrl()}; Swagger UI at /docs, OpenAPI at /docs-json`,
  );
}

bootstrap().catch((error: unknown) => {
  // A configuration error is the operator's to fix: say which variables, without a stack trace.
  new Logger('Gateway').fatal(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
