import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'dotenv';
import type { KaleyraUpstreamSettings } from '../kaleyra/kaleyra.config.js';
import { ConfigValidationError } from '../config/read-variables.js';
import { type AppConfig, loadConfig } from './app-config.js';

const cinnoxOf = (config: AppConfig) =>
  config.providers.find(({ descriptor }) => descriptor.name === 'cinnox')!.settings;
const kaleyraOf = (config: AppConfig) =>
  config.providers.find(({ descriptor }) => descriptor.name === 'kaleyra')!
    .settings as KaleyraUpstreamSettings;

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('shares CACHE_MAX_BYTES out among the caches of a replica, the in-process store only without Redis', () => {
    const alone = loadConfig({ CACHE_MAX_BYTES: '64000000' });
    const shared = loadConfig({ CACHE_MAX_BYTES: '64000000', REDIS_URL: 'redis://127.0.0.1:6379' });
    const parts = (config: AppConfig): number[] => [
      config.cache.storeMaxBytes,
      config.cache.decodedMaxBytes,
      config.callLogs.pageCacheMaxBytes,
    ];
    expect(parts(alone)).toEqual([32_000_000, 24_000_000, 8_000_000]);
    expect(parts(shared)).toEqual([0, 48_000_000, 16_000_000]);
    expect(parts(loadConfig({})).reduce((a, b) => a + b)).toBe(128 * 2 ** 20);
    expect(problemsOf({ CACHE_MAX_BYTES: '1000' })[0]).toMatch(/CACHE_MAX_BYTES/);
  });

  it('runs with no variables at all: sandbox upstreams, in-memory cache, port 3000', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(cinnoxOf(config)).toMatchObject({
      enabled: true,
      credentials: null,
      ratePerMinute: 500,
    });
    expect(cinnoxOf(config).policy).toEqual({
      upstreamTimeoutMs: 4_000,
      retries: 2,
      retryBaseMs: 100,
      retryMaxMs: 2_000,
      circuitFailures: 5,
      circuitCooldownMs: 10_000,
      maxConcurrency: 10,
    });
    expect(kaleyraOf(config).policy).toEqual(cinnoxOf(config).policy);
    expect(kaleyraOf(config).ratePerMinute).toBe(0);
    expect(config.callLogs.requestDeadlineMs).toBe(10_000);
    expect(kaleyraOf(config).credentials).toBeNull();
    expect(kaleyraOf(config).method).toBe('POST');
    expect(kaleyraOf(config).pageSize).toBe(200);
    expect(config.cache.redisUrl).toBeUndefined();
    expect(config.callLogs.maxWindowDays).toBe(31);
  });

  it('reads typed values and credentials, trimming a trailing slash from base URLs', () => {
    const config = loadConfig({
      PORT: '8080',
      CINNOX_BASE_URL: 'https://cinnox.example.com/',
      CINNOX_APP_ID: 'app',
      CINNOX_APP_TOKEN: 'token',
      KALEYRA_ENABLED: 'false',
      KALEYRA_METHOD: 'get',
      KALEYRA_PAGE_SIZE: '100',
      MAX_WINDOW_DAYS: '7',
      REDIS_URL: 'rediss://cache:6380',
    });
    expect(config.http.port).toBe(8080);
    expect(cinnoxOf(config).credentials).toEqual({
      baseUrl: 'https://cinnox.example.com',
      account: 'app',
      secret: 'token',
    });
    expect(kaleyraOf(config).enabled).toBe(false);
    expect(kaleyraOf(config).method).toBe('GET');
    expect(kaleyraOf(config).pageSize).toBe(100);
    expect(config.callLogs.maxWindowDays).toBe(7);
    expect(config.cache.redisUrl).toBe('rediss://cache:6380');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ KALEYRA_METHOD: 'PUT' }, 'KALEYRA_METHOD'],
    [{ KALEYRA_PAGE_SIZE: '0' }, 'KALEYRA_PAGE_SIZE'],
    [{ CINNOX_ENABLED: 'maybe' }, 'CINNOX_ENABLED'],
    [{ REDIS_URL: 'http://cache' }, 'REDIS_URL'],
    [{ CINNOX_BASE_URL: 'not a url' }, 'CINNOX_BASE_URL'],
    [{ CINNOX_APP_ID: 'app' }, 'CINNOX_APP_TOKEN'],
    [{ KALEYRA_API_KEY: 'key' }, 'KALEYRA_SID'],
    [{ CINNOX_APP_ID: 'a', CINNOX_APP_TOKEN: 't' }, 'CINNOX_BASE_URL'],
    [{ DEFAULT_REGION: 'usa' }, 'DEFAULT_REGION'],
    [{ CURSOR_SECRET: 'short' }, 'CURSOR_SECRET'],
    [{ CINNOX_ENABLED: 'false', KALEYRA_ENABLED: 'false' }, 'KALEYRA_ENABLED'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(problemsOf(env).join('\n')).toContain(variable);
  });

  it('lets one provider override a shared policy setting, leaving the other on the shared one', () => {
    const config = loadConfig({
      UPSTREAM_TIMEOUT_MS: '3000',
      UPSTREAM_RETRIES: '1',
      KALEYRA_UPSTREAM_TIMEOUT_MS: '8000',
      CINNOX_UPSTREAM_CIRCUIT_FAILURES: '2',
      CINNOX_UPSTREAM_MAX_CONCURRENCY: ' ',
    });
    expect(cinnoxOf(config).policy).toMatchObject({
      upstreamTimeoutMs: 3000,
      retries: 1,
      circuitFailures: 2,
      maxConcurrency: 10,
    });
    expect(kaleyraOf(config).policy).toMatchObject({
      upstreamTimeoutMs: 8000,
      retries: 1,
      circuitFailures: 5,
    });
  });

  it('names the override that is wrong, and a wrong shared setting once', () => {
    expect(problemsOf({ KALEYRA_UPSTREAM_RETRIES: 'many' })).toEqual([
      expect.stringMatching(/^KALEYRA_UPSTREAM_RETRIES/),
    ]);
    expect(problemsOf({ UPSTREAM_TIMEOUT_MS: '5' })).toEqual([
      expect.stringMatching(/^UPSTREAM_TIMEOUT_MS/),
    ]);
    expect(problemsOf({ UPSTREAM_TIMEOUT_MS: '5', CINNOX_UPSTREAM_TIMEOUT_MS: '500' })).toEqual([
      expect.stringMatching(/^UPSTREAM_TIMEOUT_MS/),
    ]);
  });

  it('says what is wrong with a number: not one at all, or out of range', () => {
    expect(problemsOf({ PORT: 'many', MAX_WINDOW_DAYS: '0', UPSTREAM_RETRIES: '3.5' })).toEqual([
      'PORT must be an integer number',
      'MAX_WINDOW_DAYS must not be less than 1',
      'UPSTREAM_RETRIES must be an integer number',
    ]);
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ PORT: '-1', LOG_LEVEL: 'loud', MAX_WINDOW_DAYS: 'x' })).toHaveLength(3);
  });

  it('refuses sandbox upstreams and the development cursor key in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' }).join('\n');
    expect(problems).toContain('CINNOX_APP_ID and CINNOX_APP_TOKEN are required in production');
    expect(problems).toContain('KALEYRA_SID and KALEYRA_API_KEY are required in production');
    expect(problems).toContain('CURSOR_SECRET is required in production');
  });

  it('allows AUTH_MODE=none in production only when named, with a warning', () => {
    const production = {
      NODE_ENV: 'production',
      CURSOR_SECRET: 'a-production-cursor-key',
      CINNOX_ENABLED: 'false',
      KALEYRA_BASE_URL: 'https://api.kaleyra.io',
      KALEYRA_SID: 'sid',
      KALEYRA_API_KEY: 'key',
    };
    expect(problemsOf(production)).toEqual([expect.stringMatching(/^AUTH_MODE is required/)]);
    const config = loadConfig({ ...production, AUTH_MODE: 'none' });
    expect(config.auth.mode).toBe('none');
    expect(config.warnings).toEqual([expect.stringContaining('AUTH_MODE=none in production')]);
  });

  it('reads who may call from a browser and which proxies to believe', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).frontDoor.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8,192.168.1.7' }).frontDoor.trustProxy).toBe(
      '10.0.0.0/8,192.168.1.7',
    );
    expect(loadConfig({}).frontDoor.trustProxy).toBe(false);
    expect(
      loadConfig({ CORS_ORIGINS: 'https://a.example,http://b.example:8080' }).frontDoor,
    ).toMatchObject({
      corsOrigins: ['https://a.example', 'http://b.example:8080'],
    });
    expect(problemsOf({ TRUST_PROXY: 'sometimes', CORS_ORIGINS: 'a.example' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY must be/),
      expect.stringMatching(/^CORS_ORIGINS must be/),
    ]);
  });

  it('takes the example environment file as it is', async () => {
    const text = await readFile(new URL('../../.env.example', import.meta.url), 'utf8');
    const config = loadConfig(parse(text));
    expect(config.auth.mode).toBe('none');
    expect(config.frontDoor).toMatchObject({
      trustProxy: false,
      corsOrigins: [],
      docsEnabled: true,
    });
    expect(config.metricsPort).toBeUndefined();
  });

  it('never puts a secret in its messages', () => {
    const message = problemsOf({ CINNOX_APP_TOKEN: 's3cr3t-token-value', KALEYRA_SID: 'sid' }).join(
      '\n',
    );
    expect(message).not.toContain('s3cr3t-token-value');
  });
});
