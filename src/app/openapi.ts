import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ProblemDto } from '../http/problem.js';

/** The OpenAPI document, built from the controllers and DTOs. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Call-log gateway')
    .setDescription(
      'CINNOX and Kaleyra call logs behind one endpoint: one record shape, one set of filters, one order, one cursor. Errors are `application/problem+json` (RFC 9457).',
    )
    .setVersion('1.0.0')
    .build();
  return SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto] });
}
