import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import {
  DAY,
  HOUR,
  gatewayEnv,
  iso,
  resetFaults,
  startGateway,
  startSimulators,
  type Gateway,
  type PageBody,
  type Simulators,
} from './utils.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

const sha256 = (key: string): string => createHash('sha256').update(key).digest('hex');
const KEYS = {
  admin: 'contract-admin-key',
  reader: 'contract-reader-key',
  tight: 'contract-tight',
};

/** The schemas' references, pointed at the validator's copy of the document's components. */
const local = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', 'openapi#/$defs/'));

/**
 * Every answer of a sample of real requests (every parameter of `/call-logs`, and every error the
 * gateway gives) is checked against the committed `openapi.json` by a strict JSON Schema 2020-12
 * validator, as a validating proxy would: the status must be documented for the operation, the
 * content type too, and the body must match its schema.
 */
describe('the answers match the committed OpenAPI document', () => {
  let sims: Simulators;
  let gateway: Gateway;
  let document: Document;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  // A CommonJS module: its function is both the module and its default.
  addFormats.default(ajv);
  ajv.addKeyword('example');

  beforeAll(async () => {
    document = JSON.parse(
      await readFile(new URL('../openapi.json', import.meta.url), 'utf8'),
    ) as Document;
    ajv.addSchema({ $id: 'openapi', $defs: local(document.components.schemas) as object });
    sims = await startSimulators();
    gateway = await startGateway(
      gatewayEnv(sims, {
        API_KEYS: JSON.stringify([
          { name: 'admin', sha256: sha256(KEYS.admin), scopes: ['raw', 'refresh', 'metrics'] },
          { name: 'reader', sha256: sha256(KEYS.reader) },
          { name: 'tight', sha256: sha256(KEYS.tight), ratePerMinute: 1 },
        ]),
        UPSTREAM_RETRIES: '0',
      }),
      sims.clock,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await sims.close();
  });

  /** Checks one answer against the document; returns it. */
  function conforms(method: string, path: string, response: Response): Response {
    const operation = document.paths[path]?.[method];
    expect([method, path, operation !== undefined]).toEqual([method, path, true]);
    const declared = operation.responses[String(response.status)];
    expect([path, response.status, declared !== undefined]).toEqual([path, response.status, true]);
    const type = String(response.headers['content-type']).split(';')[0];
    const media = declared.content?.[type];
    expect([path, response.status, type, media !== undefined]).toEqual([
      path,
      response.status,
      type,
      true,
    ]);
    if (type.endsWith('json')) {
      const check = ajv.compile(local(media?.schema) as object);
      const valid = check(response.body);
      expect([path, response.status, valid ? [] : check.errors]).toEqual([
        path,
        response.status,
        [],
      ]);
    }
    return response;
  }

  const get = (query: Record<string, string>, key = KEYS.admin, headers = {}) =>
    gateway.http.get('/call-logs').query(query).set(headers).set('x-api-key', key);

  it('pages with every parameter', async () => {
    const now = sims.clock.now();
    const window = { since: iso(now - 30 * HOUR), until: iso(now - HOUR) };
    const first = conforms('get', '/call-logs', await get({ ...window, limit: '3' }));
    expect(first.status).toBe(200);
    const cursor = (first.body as PageBody).page.nextCursor ?? '';
    const samples: Array<Record<string, string>> = [
      {},
      { ...window, limit: '3', cursor },
      { ...window, provider: 'cinnox' },
      { ...window, provider: 'kaleyra', status: 'completed,no_answer' },
      { ...window, direction: 'inbound,outbound' },
      { ...window, callId: 'c0ffee01-0000-4000-8000-000000000001' },
      { ...window, number: '+85298765432' },
      { ...window, bridgeNumber: '+13236000007' },
      { ...window, mediaType: 'video' },
      { ...window, minDuration: '10', maxDuration: '600' },
      { ...window, sort: 'startedAt', limit: '50' },
      { ...window, includeRaw: 'true', limit: '20' },
      { ...window, refresh: 'true', limit: '5' },
      { ...window, strict: 'true' },
    ];
    for (const query of samples) {
      const response = conforms('get', '/call-logs', await get(query));
      expect([query, response.status]).toEqual([query, 200]);
    }
  });

  it('errors: 400, 401, 403, 429, 502 and 504', async () => {
    expect(conforms('get', '/call-logs', await get({ limit: '0', color: 'blue' })).status).toBe(
      400,
    );
    const unauthenticated = await gateway.http.get('/call-logs');
    expect(conforms('get', '/call-logs', unauthenticated).status).toBe(401);
    const forbidden = await get({ includeRaw: 'true' }, KEYS.reader);
    expect(conforms('get', '/call-logs', forbidden).status).toBe(403);
    await get({}, KEYS.tight);
    expect(conforms('get', '/call-logs', await get({}, KEYS.tight)).status).toBe(429);
    // Four days back: no slice the other tests fetched (whole days, some of them) holds it.
    const hour = Math.floor(sims.clock.now() / DAY) * DAY - 4 * DAY + 10 * HOUR;
    try {
      sims.cinnox.setFaults({ errorRate: 1 });
      sims.kaleyra.setFaults({ errorRate: 1 });
      const failed = await get({ since: iso(hour), until: iso(hour + HOUR) });
      expect(conforms('get', '/call-logs', failed).status).toBe(502);
      // Late, not hung: the fill this leaves behind ends soon after, and so does the gateway's close.
      sims.cinnox.setFaults({ errorRate: 0, latencyMs: 1_000 });
      sims.kaleyra.setFaults({ errorRate: 0, latencyMs: 1_000 });
      const late = await get({ since: iso(hour - HOUR), until: iso(hour) }, KEYS.admin, {
        'x-request-timeout': '200',
      });
      expect(conforms('get', '/call-logs', late).status).toBe(504);
    } finally {
      resetFaults(sims);
    }
  });

  it('the validator refuses what the document does not allow', () => {
    const page = (document.paths['/call-logs'].get.responses['200'].content ?? {})[
      'application/json'
    ];
    const check = ajv.compile(local(page.schema) as object);
    const record = { id: 'cinnox:x', provider: 'cinnox', startedAt: 5 };
    expect(check({ data: [record], page: { limit: 1 }, meta: {} })).toBe(false);
    expect(check({ data: [], page: { limit: 1, nextCursor: null, resumeCursor: null } })).toBe(
      false,
    );
  });

  it('health and metrics', async () => {
    expect(conforms('get', '/health/live', await gateway.http.get('/health/live')).status).toBe(
      200,
    );
    expect(conforms('get', '/health/ready', await gateway.http.get('/health/ready')).status).toBe(
      200,
    );
    const metrics = await gateway.http.get('/metrics').set('x-api-key', KEYS.admin);
    expect(conforms('get', '/metrics', metrics).status).toBe(200);
    const refused = await gateway.http.get('/metrics').set('x-api-key', KEYS.reader);
    expect(conforms('get', '/metrics', refused).status).toBe(403);
  });
});
