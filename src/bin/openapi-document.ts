import type { OpenAPIObject } from '@nestjs/swagger';
import { AppConfig } from '../app/app-config.js';
import { createApp } from '../app/create-app.js';
import { buildOpenApiDocument } from '../app/openapi.js';

/**
 * The document as the committed `openapi.json` holds it. The app is built with placeholder
 * credentials, so no simulator starts and nothing is contacted.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await createApp({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    CINNOX_BASE_URL: 'http://cinnox.invalid',
    CINNOX_APP_ID: 'openapi',
    CINNOX_APP_TOKEN: 'openapi',
    KALEYRA_BASE_URL: 'http://kaleyra.invalid',
    KALEYRA_SID: 'openapi',
    KALEYRA_API_KEY: 'openapi',
  });
  try {
    await app.init();
    return buildOpenApiDocument(app, app.get(AppConfig).providers);
  } finally {
    await app.close();
  }
}

/** Stable, diff-friendly text of the document. */
export function serializeOpenApi(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
