import type { Environment } from '../config/read-variables.js';
import { readVariables } from '../config/read-variables.js';
import { ChoiceVar, FlagVar, IntVar, TextVar, UrlVar } from '../config/variables.js';
import {
  type Configured,
  type UpstreamSettings,
  upstreamSettings,
} from '../upstreams/upstream-config.js';
import { KALEYRA_ASKED_PAGE_SIZE } from './kaleyra.types.js';

export interface KaleyraUpstreamSettings extends UpstreamSettings {
  /** The vendor's curl posts a form; a newer page shows GET with the same fields. */
  method: 'POST' | 'GET';
  /** Records asked per request (the `limit` header); Kaleyra's maximum is not published. */
  pageSize: number;
}

/** Kaleyra's variables: the account SID and an API key. */
class KaleyraVariables {
  @FlagVar() KALEYRA_ENABLED = true;
  @UrlVar() KALEYRA_BASE_URL = 'https://api.kaleyra.io';
  @TextVar() KALEYRA_SID?: string;
  @TextVar() KALEYRA_API_KEY?: string;
  @ChoiceVar(['POST', 'GET'], { normalize: (text) => text.trim().toUpperCase() })
  KALEYRA_METHOD = 'POST';
  @IntVar(1, 1000) KALEYRA_PAGE_SIZE = KALEYRA_ASKED_PAGE_SIZE;
  /** None is published. */
  @IntVar(0, 1_000_000) KALEYRA_RATE_LIMIT_PER_MINUTE = 0;
}

export function configureKaleyra(
  env: Environment,
  production: boolean,
): Configured<KaleyraUpstreamSettings> {
  const { values, problems } = readVariables(KaleyraVariables, env);
  const upstream = upstreamSettings(
    {
      prefix: 'KALEYRA',
      enabled: values.KALEYRA_ENABLED,
      baseUrl: values.KALEYRA_BASE_URL,
      account: ['KALEYRA_SID', values.KALEYRA_SID],
      secret: ['KALEYRA_API_KEY', values.KALEYRA_API_KEY],
      ratePerMinute: values.KALEYRA_RATE_LIMIT_PER_MINUTE,
    },
    env,
    production,
  );
  return {
    settings: {
      ...upstream.settings,
      method: values.KALEYRA_METHOD as KaleyraUpstreamSettings['method'],
      pageSize: values.KALEYRA_PAGE_SIZE,
    },
    problems: [...problems, ...upstream.problems],
  };
}
