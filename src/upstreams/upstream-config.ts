import { type Environment, readVariables } from '../config/read-variables.js';
import { IntVar } from '../config/variables.js';

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

/** What every provider is configured with; a provider may add settings of its own. */
export interface UpstreamSettings {
  enabled: boolean;
  /** `null` when no credentials were given: the built-in simulator stands in (never in production). */
  credentials: { baseUrl: string; account: string; secret: string } | null;
  /** Requests a minute the account may make, across every replica; 0: no limit. */
  ratePerMinute: number;
  policy: PolicySettings;
}

/** A provider's settings as read from the environment, and what was wrong with it. */
export interface Configured<S> {
  settings: S;
  problems: string[];
}

/**
 * The settings of a provider's policy. Each applies to every provider, and can be set for one
 * provider alone by prefixing its name: `CINNOX_UPSTREAM_TIMEOUT_MS` overrides `UPSTREAM_TIMEOUT_MS`.
 */
class PolicyVariables {
  @IntVar(100, 120_000) UPSTREAM_TIMEOUT_MS = 4_000;
  @IntVar(0, 10) UPSTREAM_RETRIES = 2;
  @IntVar(1, 60_000) UPSTREAM_RETRY_BASE_MS = 100;
  @IntVar(1, 300_000) UPSTREAM_RETRY_MAX_MS = 2_000;
  @IntVar(1, 1000) UPSTREAM_CIRCUIT_FAILURES = 5;
  @IntVar(100, 600_000) UPSTREAM_CIRCUIT_COOLDOWN_MS = 10_000;
  @IntVar(1, 1000) UPSTREAM_MAX_CONCURRENCY = 10;
}

/** Every field has a default, so a fresh instance names them all. */
const POLICY_VARIABLES = Object.keys(new PolicyVariables()) as Array<keyof PolicyVariables>;

/** A provider's policy: its own `<PREFIX>_UPSTREAM_*` variables where set, else the shared ones. */
function readPolicy(prefix: string, env: Environment): Configured<PolicySettings> {
  const scoped = (variable: string): string =>
    env[`${prefix}_${variable}`]?.trim() ? `${prefix}_${variable}` : variable;
  const { values, problems } = readVariables(
    PolicyVariables,
    Object.fromEntries(POLICY_VARIABLES.map((variable) => [variable, env[scoped(variable)]])),
    scoped,
  );
  return {
    problems,
    settings: {
      upstreamTimeoutMs: values.UPSTREAM_TIMEOUT_MS,
      retries: values.UPSTREAM_RETRIES,
      retryBaseMs: values.UPSTREAM_RETRY_BASE_MS,
      retryMaxMs: values.UPSTREAM_RETRY_MAX_MS,
      circuitFailures: values.UPSTREAM_CIRCUIT_FAILURES,
      circuitCooldownMs: values.UPSTREAM_CIRCUIT_COOLDOWN_MS,
      maxConcurrency: values.UPSTREAM_MAX_CONCURRENCY,
    },
  };
}

/** What a provider's own variables say, each value with the variable's name for messages. */
export interface UpstreamVariables {
  /** The start of the provider's variable names, such as `CINNOX`. */
  prefix: string;
  enabled: boolean;
  baseUrl: string | undefined;
  account: [variable: string, value: string | undefined];
  secret: [variable: string, value: string | undefined];
  ratePerMinute: number;
}

/**
 * The settings every provider has: the credentials (both of the pair, and a base URL with them;
 * none at all means the sandbox, which production refuses) and the policy with its overrides.
 */
export function upstreamSettings(
  vars: UpstreamVariables,
  env: Environment,
  production: boolean,
): Configured<UpstreamSettings> {
  const policy = readPolicy(vars.prefix, env);
  const problems = [...policy.problems];
  const settings = (
    credentials: UpstreamSettings['credentials'],
  ): Configured<UpstreamSettings> => ({
    problems,
    settings: {
      enabled: vars.enabled,
      credentials,
      ratePerMinute: vars.ratePerMinute,
      policy: policy.settings,
    },
  });
  if (!vars.enabled) return settings(null);
  const [accountVar, account] = vars.account;
  const [secretVar, secret] = vars.secret;
  if (account === undefined && secret === undefined) {
    if (production) {
      problems.push(
        `${accountVar} and ${secretVar} are required in production (or set ${vars.prefix}_ENABLED=false)`,
      );
    }
    return settings(null);
  }
  if (account === undefined) problems.push(`${accountVar} is required when ${secretVar} is set`);
  if (secret === undefined) problems.push(`${secretVar} is required when ${accountVar} is set`);
  if (vars.baseUrl === undefined) {
    problems.push(`${vars.prefix}_BASE_URL is required when credentials are set`);
  }
  if (account === undefined || secret === undefined || vars.baseUrl === undefined) {
    return settings(null);
  }
  return settings({ baseUrl: vars.baseUrl.replace(/\/+$/, ''), account, secret });
}
