import { Transform, plainToInstance } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { type CountryCode, isSupportedCountry } from 'libphonenumber-js';

const toBool = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? ({ true: true, false: false, '1': true, '0': false }[value.trim().toLowerCase()] ?? value)
    : value;
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const blankToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * The environment as it arrives: every variable the gateway reads, with its rule. A property's
 * rules run bottom-up and stop at the first failure, so the type comes last: "many" is reported as
 * not a number, not as out of range.
 */
class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: string = 'development';

  @Transform(toInt)
  @Min(0)
  @Max(65535)
  @IsInt()
  PORT: number = 3000;

  @IsOptional()
  @IsString()
  HOST: string = '0.0.0.0';

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: string = 'log';

  @Transform(toBool)
  @IsBoolean()
  CINNOX_ENABLED: boolean = true;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  CINNOX_BASE_URL?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  CINNOX_APP_ID?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  CINNOX_APP_TOKEN?: string;

  @Transform(toBool)
  @IsBoolean()
  KALEYRA_ENABLED: boolean = true;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  KALEYRA_BASE_URL: string = 'https://api.kaleyra.io';

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  KALEYRA_SID?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  KALEYRA_API_KEY?: string;

  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toUpperCase() : value,
  )
  @IsIn(['POST', 'GET'])
  KALEYRA_METHOD: 'POST' | 'GET' = 'POST';

  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  KALEYRA_PAGE_SIZE: number = 25;

  @Transform(toInt)
  @Min(0)
  @Max(1_000_000)
  @IsInt()
  CINNOX_RATE_LIMIT_PER_MINUTE: number = 500;

  @Transform(toInt)
  @Min(0)
  @Max(1_000_000)
  @IsInt()
  KALEYRA_RATE_LIMIT_PER_MINUTE: number = 0;

  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  RATE_LIMIT_REPLICAS: number = 2;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/[^,\s]+(,rediss?:\/\/[^,\s]+)*$/, {
    message:
      'REDIS_URL must be a redis:// or rediss:// URL, or a comma-separated list of them (Redis Cluster)',
  })
  REDIS_URL?: string;

  @Transform(toInt)
  @Min(1)
  @Max(366)
  @IsInt()
  MAX_WINDOW_DAYS: number = 31;

  @Transform(toInt)
  @Min(100)
  @Max(300_000)
  @IsInt()
  REQUEST_DEADLINE_MS: number = 10_000;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16)
  CURSOR_SECRET?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, {
    message: 'DEFAULT_REGION must be an ISO 3166-1 alpha-2 code such as US',
  })
  DEFAULT_REGION?: string;

  @Transform(toInt)
  @Min(0)
  @Max(1440)
  @IsInt()
  CACHE_SETTLE_MINUTES: number = 15;

  @Transform(toInt)
  @Min(0)
  @Max(86_400)
  @IsInt()
  CACHE_FRESH_TTL_SECONDS: number = 30;

  @Transform(toInt)
  @Min(0)
  @Max(30 * 86_400)
  @IsInt()
  CACHE_CLOSED_TTL_SECONDS: number = 86_400;

  @Transform(toInt)
  @Min(0)
  @Max(30 * 86_400)
  @IsInt()
  CACHE_STALE_TTL_SECONDS: number = 86_400;

  @Transform(toInt)
  @Min(100)
  @Max(300_000)
  @IsInt()
  CACHE_LOCK_LEASE_MS: number = 20_000;

  @Transform(toInt)
  @Min(10)
  @Max(120_000)
  @IsInt()
  CACHE_WAIT_TIMEOUT_MS: number = 5_000;

  @Transform(toInt)
  @Min(1)
  @Max(10_000_000)
  @IsInt()
  CACHE_MAX_ENTRIES: number = 20_000;

  @Transform(toInt)
  @Min(10)
  @Max(10_000)
  @IsInt()
  CACHE_REDIS_TIMEOUT_MS: number = 150;

  @Transform(toInt)
  @Min(0)
  @Max(100_000_000)
  @IsInt()
  CACHE_LOCAL_MAX_RECORDS: number = 100_000;

  @Matches(/^[\w:.-]{0,64}$/, {
    message: 'CACHE_PREFIX may hold letters, digits and _ : . - (at most 64)',
  })
  CACHE_PREFIX: string = 'call-logs:';
}

/**
 * The settings of a provider's policy. Each applies to every provider, and can be set for one
 * provider alone by prefixing its name: `CINNOX_UPSTREAM_TIMEOUT_MS` overrides `UPSTREAM_TIMEOUT_MS`.
 */
class PolicyVariables {
  @Transform(toInt)
  @Min(100)
  @Max(120_000)
  @IsInt()
  UPSTREAM_TIMEOUT_MS: number = 4_000;

  @Transform(toInt)
  @Min(0)
  @Max(10)
  @IsInt()
  UPSTREAM_RETRIES: number = 2;

  @Transform(toInt)
  @Min(1)
  @Max(60_000)
  @IsInt()
  UPSTREAM_RETRY_BASE_MS: number = 100;

  @Transform(toInt)
  @Min(1)
  @Max(300_000)
  @IsInt()
  UPSTREAM_RETRY_MAX_MS: number = 2_000;

  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  UPSTREAM_CIRCUIT_FAILURES: number = 5;

  @Transform(toInt)
  @Min(100)
  @Max(600_000)
  @IsInt()
  UPSTREAM_CIRCUIT_COOLDOWN_MS: number = 10_000;

  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  UPSTREAM_MAX_CONCURRENCY: number = 10;
}

/** Every field has a default, so a fresh instance names them all. */
const POLICY_VARIABLES = Object.keys(new PolicyVariables()) as Array<keyof PolicyVariables>;

/** What bounds a gateway request as a whole, whatever the providers. */
export interface ResilienceSettings {
  /** The default deadline of a gateway request, and of every fill of a slice. */
  requestDeadlineMs: number;
  /** Replicas sharing a provider's limit: each keeps to its share while Redis cannot answer. */
  rateLimitReplicas: number;
}

/** How one provider's requests are guarded; each provider has its own breaker and bulkhead. */
export interface PolicySettings {
  upstreamTimeoutMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  circuitFailures: number;
  circuitCooldownMs: number;
  maxConcurrency: number;
}

export interface UpstreamSettings {
  enabled: boolean;
  /** `null` when no credentials were given: the built-in simulator stands in (never in production). */
  credentials: { baseUrl: string; account: string; secret: string } | null;
  /** Requests a minute the account may make, across every replica; 0: no limit. */
  ratePerMinute: number;
  policy: PolicySettings;
}

/** The validated, typed configuration; the only place that reads the environment. */
export class AppConfig {
  constructor(
    readonly env: 'development' | 'test' | 'production',
    readonly http: { port: number; host: string },
    readonly logLevel: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose',
    readonly cinnox: UpstreamSettings,
    readonly kaleyra: UpstreamSettings & { method: 'POST' | 'GET'; pageSize: number },
    readonly resilience: ResilienceSettings,
    readonly query: { maxWindowDays: number; defaultRegion: CountryCode | undefined },
    readonly cursorSecret: string,
    readonly cache: {
      redisUrl: string | undefined;
      prefix: string;
      settleMs: number;
      freshTtlMs: number;
      closedTtlMs: number;
      staleTtlMs: number;
      leaseMs: number;
      waitTimeoutMs: number;
      maxEntries: number;
      redisTimeoutMs: number;
      localMaxRecords: number;
    },
  ) {}
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Outside production, cursors are signed with this key unless CURSOR_SECRET is set. */
const DEVELOPMENT_CURSOR_SECRET = 'call-log-gateway-development-cursor-key';

/** One message per bad variable, each starting with the variable's name as the operator set it. */
function problemsOf(vars: object, named: (property: string) => string = (p) => p): string[] {
  return validateSync(vars, { stopAtFirstError: true }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property)
        ? named(error.property) + message.slice(error.property.length)
        : `${named(error.property)}: ${message}`,
    ),
  );
}

/** A provider's policy: its own `<PROVIDER>_UPSTREAM_*` variables where set, else the shared ones. */
function policyOf(
  name: string,
  env: Record<string, string | undefined>,
  problems: string[],
): PolicySettings {
  const scoped = (variable: string): string =>
    env[`${name}_${variable}`]?.trim() ? `${name}_${variable}` : variable;
  const vars = plainToInstance(
    PolicyVariables,
    Object.fromEntries(POLICY_VARIABLES.map((variable) => [variable, env[scoped(variable)]])),
    { exposeDefaultValues: true },
  );
  problems.push(...problemsOf(vars, scoped));
  return {
    upstreamTimeoutMs: vars.UPSTREAM_TIMEOUT_MS,
    retries: vars.UPSTREAM_RETRIES,
    retryBaseMs: vars.UPSTREAM_RETRY_BASE_MS,
    retryMaxMs: vars.UPSTREAM_RETRY_MAX_MS,
    circuitFailures: vars.UPSTREAM_CIRCUIT_FAILURES,
    circuitCooldownMs: vars.UPSTREAM_CIRCUIT_COOLDOWN_MS,
    maxConcurrency: vars.UPSTREAM_MAX_CONCURRENCY,
  };
}

function credentialsOf(
  name: string,
  enabled: boolean,
  baseUrl: string | undefined,
  account: [string, string | undefined],
  secret: [string, string | undefined],
  production: boolean,
  problems: string[],
): UpstreamSettings['credentials'] {
  if (!enabled) return null;
  const [accountVar, accountValue] = account;
  const [secretVar, secretValue] = secret;
  if (accountValue === undefined && secretValue === undefined) {
    if (production) {
      problems.push(
        `${accountVar} and ${secretVar} are required in production (or set ${name}_ENABLED=false)`,
      );
    }
    return null;
  }
  if (accountValue === undefined)
    problems.push(`${accountVar} is required when ${secretVar} is set`);
  if (secretValue === undefined)
    problems.push(`${secretVar} is required when ${accountVar} is set`);
  if (baseUrl === undefined) problems.push(`${name}_BASE_URL is required when credentials are set`);
  if (accountValue === undefined || secretValue === undefined || baseUrl === undefined) return null;
  return { baseUrl: baseUrl.replace(/\/+$/, ''), account: accountValue, secret: secretValue };
}

/** Validates the environment and returns the typed configuration, or throws naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const vars = plainToInstance(EnvironmentVariables, env, { exposeDefaultValues: true });
  const problems = problemsOf(vars);
  const production = vars.NODE_ENV === 'production';
  const cinnox = credentialsOf(
    'CINNOX',
    vars.CINNOX_ENABLED,
    vars.CINNOX_BASE_URL,
    ['CINNOX_APP_ID', vars.CINNOX_APP_ID],
    ['CINNOX_APP_TOKEN', vars.CINNOX_APP_TOKEN],
    production,
    problems,
  );
  const kaleyra = credentialsOf(
    'KALEYRA',
    vars.KALEYRA_ENABLED,
    vars.KALEYRA_BASE_URL,
    ['KALEYRA_SID', vars.KALEYRA_SID],
    ['KALEYRA_API_KEY', vars.KALEYRA_API_KEY],
    production,
    problems,
  );
  if (!vars.CINNOX_ENABLED && !vars.KALEYRA_ENABLED) {
    problems.push(
      'CINNOX_ENABLED and KALEYRA_ENABLED are both false: enable at least one provider',
    );
  }
  if (production && vars.CURSOR_SECRET === undefined) {
    problems.push('CURSOR_SECRET is required in production (the same value on every replica)');
  }
  if (vars.DEFAULT_REGION !== undefined && !isSupportedCountry(vars.DEFAULT_REGION)) {
    problems.push(
      `DEFAULT_REGION: ${vars.DEFAULT_REGION} is not a country the phone-number library knows`,
    );
  }
  const cinnoxPolicy = policyOf('CINNOX', env, problems);
  const kaleyraPolicy = policyOf('KALEYRA', env, problems);
  // A bad shared setting is found once per provider: say it once.
  if (problems.length > 0) throw new ConfigValidationError([...new Set(problems)]);

  return new AppConfig(
    vars.NODE_ENV as AppConfig['env'],
    { port: vars.PORT, host: vars.HOST },
    vars.LOG_LEVEL as AppConfig['logLevel'],
    {
      enabled: vars.CINNOX_ENABLED,
      credentials: cinnox,
      ratePerMinute: vars.CINNOX_RATE_LIMIT_PER_MINUTE,
      policy: cinnoxPolicy,
    },
    {
      enabled: vars.KALEYRA_ENABLED,
      credentials: kaleyra,
      ratePerMinute: vars.KALEYRA_RATE_LIMIT_PER_MINUTE,
      policy: kaleyraPolicy,
      method: vars.KALEYRA_METHOD,
      pageSize: vars.KALEYRA_PAGE_SIZE,
    },
    {
      requestDeadlineMs: vars.REQUEST_DEADLINE_MS,
      rateLimitReplicas: vars.RATE_LIMIT_REPLICAS,
    },
    {
      maxWindowDays: vars.MAX_WINDOW_DAYS,
      defaultRegion: vars.DEFAULT_REGION as CountryCode | undefined,
    },
    vars.CURSOR_SECRET ?? DEVELOPMENT_CURSOR_SECRET,
    {
      redisUrl: vars.REDIS_URL,
      prefix: vars.CACHE_PREFIX,
      settleMs: vars.CACHE_SETTLE_MINUTES * 60_000,
      freshTtlMs: vars.CACHE_FRESH_TTL_SECONDS * 1000,
      closedTtlMs: vars.CACHE_CLOSED_TTL_SECONDS * 1000,
      staleTtlMs: vars.CACHE_STALE_TTL_SECONDS * 1000,
      leaseMs: vars.CACHE_LOCK_LEASE_MS,
      waitTimeoutMs: vars.CACHE_WAIT_TIMEOUT_MS,
      maxEntries: vars.CACHE_MAX_ENTRIES,
      redisTimeoutMs: vars.CACHE_REDIS_TIMEOUT_MS,
      localMaxRecords: vars.CACHE_LOCAL_MAX_RECORDS,
    },
  );
}
