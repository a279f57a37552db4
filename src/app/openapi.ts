import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { ProblemDto } from '../http/problem.js';
import type { ConfiguredProvider } from '../upstreams/providers.module.js';
import { toOpenApi31 } from './openapi-31.js';

/** The package's version is the contract's: the nearest package.json above this file's. */
const VERSION = ((): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file))
      return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    if (dirname(dir) === dir) throw new Error('no package.json above the gateway’s code');
  }
})();

/**
 * The OpenAPI document, built from the controllers and DTOs. The providers are the gateway's own
 * list, known when the app is built, not when the DTOs are declared: their names are written into
 * the `provider` parameter and fields here.
 */
export function buildOpenApiDocument(
  app: INestApplication,
  providers: readonly ConfiguredProvider[],
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Call-log gateway')
    .setDescription(
      'CINNOX and Kaleyra call logs behind one endpoint: one record shape, one set of filters, one order, one cursor. Errors are `application/problem+json` (RFC 9457).',
    )
    .setVersion(VERSION)
    .addServer('/', 'The gateway that serves this document')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'An API key (`AUTH_MODE=api-key`).',
      },
      'apiKey',
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'An API key, or a JWT (`AUTH_MODE=jwt`).' },
      'bearer',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto] });
  // Routes without security answer anyone: say so, rather than leave it unsaid.
  for (const path of Object.values(document.paths)) {
    for (const operation of [path.get, path.head, path.post, path.put, path.patch, path.delete]) {
      if (operation !== undefined) operation.security ??= [];
    }
  }
  const names = providers.map(({ descriptor }) => descriptor.name);
  for (const parameter of document.paths['/call-logs']?.get?.parameters ?? []) {
    if ('name' in parameter && parameter.name === 'provider') {
      parameter.description += ` Comma-separated, any of: \`${names.join('`, `')}\`.`;
    }
  }
  for (const name of ['CallLogDto', 'ProviderMetaDto']) {
    const schema = document.components?.schemas?.[name] as SchemaObject | undefined;
    const field = schema?.properties?.provider as SchemaObject | undefined;
    if (field !== undefined) field.enum = names;
  }
  return toOpenApi31(document);
}
