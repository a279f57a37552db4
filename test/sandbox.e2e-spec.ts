import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGateway, type Gateway, type PageBody } from './utils.js';

describe('a gateway started without credentials', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway({ NODE_ENV: 'development', LOG_LEVEL: 'fatal' });
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('serves both providers from the built-in simulators and says so in meta', async () => {
    const response = await gateway.http.get('/call-logs').query({ limit: '10' });
    expect(response.status).toBe(200);
    const body = response.body as PageBody;
    expect(body.meta.providers.map((meta) => [meta.provider, meta.status, meta.mode])).toEqual([
      ['cinnox', 'ok', 'sandbox'],
      ['kaleyra', 'ok', 'sandbox'],
    ]);
    expect(body.meta.providers.every((meta) => meta.upstreamRequests > 0)).toBe(true);
  });

  it('reports the sandbox in readiness too', async () => {
    const response = await gateway.http.get('/health/ready');
    expect(response.body).toEqual({
      status: 'ok',
      cache: { store: 'memory', status: 'ok' },
      providers: [
        { provider: 'cinnox', mode: 'sandbox' },
        { provider: 'kaleyra', mode: 'sandbox' },
      ],
    });
  });

  it('serves Swagger UI and the OpenAPI JSON', async () => {
    const ui = await gateway.http.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const json = await gateway.http.get('/docs-json');
    expect(json.status).toBe(200);
    expect((json.body as { paths: Record<string, unknown> }).paths).toHaveProperty('/call-logs');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const echoed = await gateway.http.get('/health/live').set('x-request-id', 'trace-123');
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    const made = await gateway.http.get('/health/live').set('x-request-id', 'x'.repeat(300));
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('configuration at start-up', () => {
  it('refuses to start in production without credentials, naming the variables', async () => {
    await expect(
      startGateway({ NODE_ENV: 'production', CURSOR_SECRET: 'a-long-enough-secret' }),
    ).rejects.toThrow(/CINNOX_APP_ID and CINNOX_APP_TOKEN are required in production/);
  });
});
