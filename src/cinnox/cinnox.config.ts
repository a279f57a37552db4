import type { Environment } from '../config/read-variables.js';
import { readVariables } from '../config/read-variables.js';
import { FlagVar, IntVar, TextVar, UrlVar } from '../config/variables.js';
import {
  type Configured,
  type UpstreamSettings,
  upstreamSettings,
} from '../upstreams/upstream-config.js';

/** CINNOX's variables: the App's base URL, ID and token are issued together in its dashboard. */
class CinnoxVariables {
  @FlagVar() CINNOX_ENABLED = true;
  @UrlVar() CINNOX_BASE_URL?: string;
  @TextVar() CINNOX_APP_ID?: string;
  @TextVar() CINNOX_APP_TOKEN?: string;
  /** Published: 500 requests a minute per service. */
  @IntVar(0, 1_000_000) CINNOX_RATE_LIMIT_PER_MINUTE = 500;
}

export function configureCinnox(
  env: Environment,
  production: boolean,
): Configured<UpstreamSettings> {
  const { values, problems } = readVariables(CinnoxVariables, env);
  const upstream = upstreamSettings(
    {
      prefix: 'CINNOX',
      enabled: values.CINNOX_ENABLED,
      baseUrl: values.CINNOX_BASE_URL,
      account: ['CINNOX_APP_ID', values.CINNOX_APP_ID],
      secret: ['CINNOX_APP_TOKEN', values.CINNOX_APP_TOKEN],
      ratePerMinute: values.CINNOX_RATE_LIMIT_PER_MINUTE,
    },
    env,
    production,
  );
  return { settings: upstream.settings, problems: [...problems, ...upstream.problems] };
}
