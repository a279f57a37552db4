import { randomBytes } from 'node:crypto';
import { type CountryCode, isSupportedCountry } from 'libphonenumber-js';
import { readAuthSettings } from '../auth/auth-config.js';
import type { AuthSettings } from '../auth/auth-settings.js';
import type { LimitsSettings } from '../limits/caller-limits.js';
import type { FrontDoorSettings } from './front-door.js';
import type { CacheSettings } from '../cache/cache-settings.js';
import type { CallLogsSettings } from '../call-logs/call-logs.settings.js';
import {
  ConfigValidationError,
  type Environment,
  readVariables,
} from '../config/read-variables.js';
import { ChoiceVar, FlagVar, IntVar, PatternVar, TextVar, UrlVar } from '../config/variables.js';
import type { TracingSettings } from '../tracing/tracing.js';
import type { ProviderDescriptor } from '../upstreams/provider-descriptor.js';
import type { ConfiguredProvider } from '../upstreams/providers.module.js';
import { RateLimitSettings } from '../upstreams/rate-limit/limiter-for.js';
import { LOG_LEVELS, type LogLevel, type LoggingSettings } from '../logging/logger.js';
import { PROVIDERS } from './providers.js';

/**
 * The gateway's own variables, one line each; every provider reads its own (`<PROVIDER>_*`, in its
 * folder), and the upstream policy its `UPSTREAM_*` ones.
 */
class GatewayVariables {
  @ChoiceVar(['development', 'test', 'production']) NODE_ENV = 'development';
  @IntVar(0, 65535) PORT = 3000;
  @TextVar() HOST?: string;
  @ChoiceVar(LOG_LEVELS) LOG_LEVEL = 'log';
  @ChoiceVar(['json', 'pretty'], { optional: true }) LOG_FORMAT?: 'json' | 'pretty';
  @IntVar(1, 1000) RATE_LIMIT_REPLICAS = 2;
  @PatternVar(
    /^rediss?:\/\/[^,\s]+(,rediss?:\/\/[^,\s]+)*$/,
    'REDIS_URL must be a redis:// or rediss:// URL, or a comma-separated list of them (Redis Cluster)',
  )
  REDIS_URL?: string;
  @IntVar(1, 366) MAX_WINDOW_DAYS = 31;
  @IntVar(100, 300_000) REQUEST_DEADLINE_MS = 10_000;
  @IntVar(1, 366) MAX_EXPORT_DAYS = 31;
  @IntVar(1_000, 600_000) EXPORT_IDLE_TIMEOUT_MS = 60_000;
  @TextVar(16) CURSOR_SECRET?: string;
  @PatternVar(/^[A-Z]{2}$/, 'DEFAULT_REGION must be an ISO 3166-1 alpha-2 code such as US')
  DEFAULT_REGION?: string;
  @IntVar(0, 1440) CACHE_SETTLE_MINUTES = 15;
  @IntVar(0, 86_400) CACHE_FRESH_TTL_SECONDS = 30;
  @IntVar(0, 30 * 86_400) CACHE_CLOSED_TTL_SECONDS = 86_400;
  @IntVar(0, 30 * 86_400) CACHE_STALE_TTL_SECONDS = 86_400;
  @IntVar(100, 300_000) CACHE_LOCK_LEASE_MS = 20_000;
  @IntVar(10, 120_000) CACHE_WAIT_TIMEOUT_MS = 5_000;
  @IntVar(1_048_576, 68_719_476_736) CACHE_MAX_BYTES = 134_217_728;
  @IntVar(10, 10_000) CACHE_REDIS_TIMEOUT_MS = 150;
  @PatternVar(
    /^[\w:.-]{0,64}$/,
    'CACHE_PREFIX may hold letters, digits and _ : . - (at most 64)',
    false,
  )
  CACHE_PREFIX = 'call-logs:';
  @IntVar(1, 100) CALLER_UPSTREAM_SHARE = 50;
  @IntVar(1, 100_000) MAX_UPSTREAM_REQUESTS_PER_REQUEST = 250;
  @IntVar(0, 744) READ_AHEAD_HOURS = 12;
  @PatternVar(
    /^(true|false|[\d.:a-fA-F/]+(,[\d.:a-fA-F/]+)*)$/,
    'TRUST_PROXY must be true, false, or a comma-separated list of proxy addresses and CIDRs',
  )
  TRUST_PROXY?: string;
  @PatternVar(
    /^https?:\/\/[^/,\s]+(,https?:\/\/[^/,\s]+)*$/,
    'CORS_ORIGINS must be a comma-separated list of origins such as https://app.example.com',
  )
  CORS_ORIGINS?: string;
  @FlagVar({ optional: true }) DOCS_ENABLED?: boolean;
  @IntVar(0, 65535, { optional: true }) METRICS_PORT?: number;
  @IntVar(0, 600_000) SHUTDOWN_GRACE_MS = 10_000;
  @IntVar(0, 600_000) SHUTDOWN_DELAY_MS = 0;
  @UrlVar() OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  @TextVar() OTEL_SERVICE_NAME?: string;
}

/** The validated, typed configuration: the only thing that reads the environment. */
export abstract class AppConfig {
  abstract readonly env: 'development' | 'test' | 'production';
  abstract readonly http: { port: number; host: string };
  abstract readonly logging: LoggingSettings;
  abstract readonly tracing: TracingSettings;
  /** How long a shutdown may take, and how long it goes on serving after readiness turns 503. */
  abstract readonly shutdown: { graceMs: number; delayMs: number };
  /** Every provider of the gateway's list, enabled or not, with its settings. */
  abstract readonly providers: readonly ConfiguredProvider[];
  abstract readonly rateLimits: RateLimitSettings;
  abstract readonly callLogs: CallLogsSettings;
  abstract readonly cache: CacheSettings;
  abstract readonly auth: AuthSettings;
  abstract readonly limits: LimitsSettings;
  abstract readonly frontDoor: FrontDoorSettings;
  /** A second listener for `/metrics` alone, without authentication; none when undefined. */
  abstract readonly metricsPort: number | undefined;
  /** What the operator should hear at start-up, though it is allowed. */
  abstract readonly warnings: readonly string[];
}

/** Validates the environment and returns the configuration, or throws naming every bad variable. */
export function loadConfig(
  env: Environment,
  descriptors: readonly ProviderDescriptor[] = PROVIDERS,
): AppConfig {
  const { values: vars, problems } = readVariables(GatewayVariables, env);
  const production = vars.NODE_ENV === 'production';
  const auth = readAuthSettings(env, production);
  problems.push(...auth.problems);
  const providers = descriptors.map((descriptor) => {
    const configured = descriptor.configure(env, production);
    problems.push(...configured.problems);
    return { descriptor, settings: configured.settings };
  });
  if (!providers.some(({ settings }) => settings.enabled)) {
    const flags = descriptors.map(({ name }) => `${name.toUpperCase()}_ENABLED`);
    problems.push(`${flags.join(' and ')} are all false: enable at least one provider`);
  }
  if (production && vars.CURSOR_SECRET === undefined) {
    problems.push('CURSOR_SECRET is required in production (the same value on every replica)');
  }
  if (vars.DEFAULT_REGION !== undefined && !isSupportedCountry(vars.DEFAULT_REGION)) {
    problems.push(
      `DEFAULT_REGION: ${vars.DEFAULT_REGION} is not a country the phone-number library knows`,
    );
  }
  // A bad shared setting is found once per provider: say it once.
  if (problems.length > 0) throw new ConfigValidationError([...new Set(problems)]);
  const memory = memoryBudget(vars.CACHE_MAX_BYTES, vars.REDIS_URL !== undefined);

  return {
    env: vars.NODE_ENV as AppConfig['env'],
    http: { port: vars.PORT, host: vars.HOST ?? '0.0.0.0' },
    logging: {
      level: vars.LOG_LEVEL as LogLevel,
      // Pretty for a person at a terminal; one JSON object a line for everything else.
      format: vars.LOG_FORMAT ?? (!production && process.stdout.isTTY ? 'pretty' : 'json'),
      secrets: [
        ...providers.flatMap(({ settings }) => settings.credentials?.secret ?? []),
        ...(vars.CURSOR_SECRET === undefined ? [] : [vars.CURSOR_SECRET]),
        ...(vars.REDIS_URL === undefined ? [] : redisPasswords(vars.REDIS_URL)),
      ],
    },
    providers,
    rateLimits: new RateLimitSettings(
      vars.RATE_LIMIT_REPLICAS,
      vars.REDIS_URL,
      vars.CACHE_PREFIX,
      vars.CACHE_REDIS_TIMEOUT_MS,
      vars.CALLER_UPSTREAM_SHARE / 100,
    ),
    callLogs: {
      maxWindowDays: vars.MAX_WINDOW_DAYS,
      defaultRegion: vars.DEFAULT_REGION as CountryCode | undefined,
      requestDeadlineMs: vars.REQUEST_DEADLINE_MS,
      maxExportDays: vars.MAX_EXPORT_DAYS,
      exportIdleTimeoutMs: vars.EXPORT_IDLE_TIMEOUT_MS,
      // Outside production, a key of the process's own: its cursors last as long as it does.
      cursorSecret: vars.CURSOR_SECRET ?? randomBytes(32).toString('base64url'),
      maxUpstreamRequests: vars.MAX_UPSTREAM_REQUESTS_PER_REQUEST,
      readAheadMs: vars.READ_AHEAD_HOURS * 3_600_000,
      pageCacheMaxBytes: memory.pages,
    },
    cache: {
      redisUrl: vars.REDIS_URL,
      prefix: vars.CACHE_PREFIX,
      settleMs: vars.CACHE_SETTLE_MINUTES * 60_000,
      freshTtlMs: vars.CACHE_FRESH_TTL_SECONDS * 1000,
      closedTtlMs: vars.CACHE_CLOSED_TTL_SECONDS * 1000,
      staleTtlMs: vars.CACHE_STALE_TTL_SECONDS * 1000,
      leaseMs: vars.CACHE_LOCK_LEASE_MS,
      waitTimeoutMs: vars.CACHE_WAIT_TIMEOUT_MS,
      storeMaxBytes: memory.store,
      redisTimeoutMs: vars.CACHE_REDIS_TIMEOUT_MS,
      decodedMaxBytes: memory.decoded,
      fillDeadlineMs: vars.REQUEST_DEADLINE_MS,
    },
    auth: auth.settings,
    limits: {
      redisUrl: vars.REDIS_URL,
      keyPrefix: vars.CACHE_PREFIX,
      redisTimeoutMs: vars.CACHE_REDIS_TIMEOUT_MS,
      replicas: vars.RATE_LIMIT_REPLICAS,
    },
    frontDoor: {
      trustProxy: trustProxyOf(vars.TRUST_PROXY),
      corsOrigins: vars.CORS_ORIGINS?.split(',') ?? [],
      docsEnabled: vars.DOCS_ENABLED ?? !production,
    },
    metricsPort: vars.METRICS_PORT,
    shutdown: { graceMs: vars.SHUTDOWN_GRACE_MS, delayMs: vars.SHUTDOWN_DELAY_MS },
    tracing: {
      endpoint: vars.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: vars.OTEL_SERVICE_NAME ?? 'call-log-gateway',
    },
    warnings: auth.warnings,
  };
}

/**
 * How a replica's cache memory is shared out. Without a shared store the in-process store holds
 * the slices (as MessagePack, the smallest form) and takes half; the decoded slices a page is
 * made of take most of the rest; the kept pages, a lookup's worth of saving each, the remainder.
 */
function memoryBudget(
  maxBytes: number,
  shared: boolean,
): { store: number; decoded: number; pages: number } {
  const store = shared ? 0 : Math.floor(maxBytes / 2);
  const decoded = Math.floor(((maxBytes - store) * 3) / 4);
  return { store, decoded, pages: maxBytes - store - decoded };
}

function trustProxyOf(value: string | undefined): FrontDoorSettings['trustProxy'] {
  if (value === undefined || value === 'false') return false;
  return value === 'true' ? true : value;
}

/** The passwords in a Redis URL (or in each of a Cluster's), which the logs must not show. */
function redisPasswords(urls: string): string[] {
  return urls.split(',').flatMap((url) => {
    try {
      const { password } = new URL(url);
      return password === '' ? [] : [decodeURIComponent(password)];
    } catch {
      return [];
    }
  });
}
