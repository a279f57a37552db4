import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { OpenAPIObject } from '@nestjs/swagger';
import { generateOpenApiDocument, serializeOpenApi } from '../src/bin/openapi-document.js';

/** The filters both GET /call-logs and its export take. */
const FILTERS = [
  'since',
  'until',
  'provider',
  'status',
  'direction',
  'callId',
  'number',
  'bridgeNumber',
  'mediaType',
  'minDuration',
  'maxDuration',
  'sort',
  'includeRaw',
];

describe('the committed OpenAPI document', () => {
  let document: OpenAPIObject;

  beforeAll(async () => {
    document = await generateOpenApiDocument();
  });

  it('is what the code generates (run `npm run openapi` after changing the contract)', async () => {
    const committed = await readFile(new URL('../openapi.json', import.meta.url), 'utf8');
    expect(serializeOpenApi(document)).toBe(committed);
  });

  it('documents every query parameter of GET /call-logs, the problem schema and the errors', () => {
    const operation = document.paths['/call-logs']?.get;
    const names = (operation?.parameters ?? []).map((parameter) =>
      'name' in parameter ? parameter.name : '',
    );
    expect(names.sort()).toEqual(
      [
        ...FILTERS,
        'limit',
        'cursor',
        'refresh',
        'strict',
        'Cache-Control',
        'X-Request-Timeout',
      ].sort(),
    );
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '429',
      '502',
      '504',
    ]);
    // Either credential: an API key header, or a Bearer key or token.
    expect(operation?.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
    expect(document.paths['/health/live']?.get?.security).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
    expect(document.components?.schemas).toHaveProperty('ProblemDto');
    expect(document.components?.schemas).toHaveProperty('CallLogDto');
  });

  it('documents GET /call-logs/export: the filters, the resume cursor, the format and both media types', () => {
    const operation = document.paths['/call-logs/export']?.get;
    const names = (operation?.parameters ?? []).map((parameter) =>
      'name' in parameter ? parameter.name : '',
    );
    expect(names.sort()).toEqual([...FILTERS, 'resumeCursor', 'format'].sort());
    const ok = operation?.responses['200'] as { content?: Record<string, unknown> } | undefined;
    expect(Object.keys(ok?.content ?? {}).sort()).toEqual(['application/x-ndjson', 'text/csv']);
    expect(operation?.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
  });
});
