import { type Environment, readVariables } from '../../src/config/read-variables.js';
import { FlagVar, IntVar, TextVar, UrlVar } from '../../src/config/variables.js';
import {
  type Configured,
  type UpstreamSettings,
  upstreamSettings,
} from '../../src/upstreams/upstream-config.js';

class AcmeVariables {
  @FlagVar() ACME_ENABLED = true;
  @UrlVar() ACME_BASE_URL?: string;
  @TextVar() ACME_ACCOUNT?: string;
  @TextVar() ACME_TOKEN?: string;
  @IntVar(0, 1_000_000) ACME_RATE_LIMIT_PER_MINUTE = 0;
}

export function configureAcme(env: Environment, production: boolean): Configured<UpstreamSettings> {
  const { values, problems } = readVariables(AcmeVariables, env);
  const upstream = upstreamSettings(
    {
      prefix: 'ACME',
      enabled: values.ACME_ENABLED,
      baseUrl: values.ACME_BASE_URL,
      account: ['ACME_ACCOUNT', values.ACME_ACCOUNT],
      secret: ['ACME_TOKEN', values.ACME_TOKEN],
      ratePerMinute: values.ACME_RATE_LIMIT_PER_MINUTE,
    },
    env,
    production,
  );
  return { settings: upstream.settings, problems: [...problems, ...upstream.problems] };
}
