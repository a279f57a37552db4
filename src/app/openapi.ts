import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { ProblemDto } from '../http/problem.js';
import type { ConfiguredProvider } from '../upstreams/providers.module.js';

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
    .setVersion('1.0.0')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto] });
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
  return document;
}
