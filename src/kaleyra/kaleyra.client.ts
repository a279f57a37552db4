import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { isRecord } from '../domain/is-record.js';
import type { Deadline } from '../domain/deadline.js';
import { ProviderPolicy } from '../upstreams/provider-policy.js';
import { UpstreamError } from '../domain/upstream-error.js';
import { requestUpstream } from '../upstreams/upstream-http.js';
import { UpstreamTarget } from '../upstreams/upstream-target.js';
import { KaleyraCode, type KaleyraForm } from './kaleyra.types.js';

/** The method and page size the account was configured with. */
export class KaleyraSettings {
  constructor(
    readonly method: 'POST' | 'GET',
    readonly pageSize: number,
  ) {}
}

export interface KaleyraPage {
  records: unknown[];
  /** How many records match in all, when Kaleyra says. */
  total: number | undefined;
  /** The page size Kaleyra applied, when it says (it may cap the one asked for). */
  limit: number | undefined;
}

/** HTTP only: one page of `{POST|GET} /v1/{SID}/voice/call-logs`, its answer classified. */
@Injectable()
export class KaleyraClient {
  constructor(
    private readonly http: HttpService,
    private readonly target: UpstreamTarget,
    private readonly settings: KaleyraSettings,
    private readonly policy: ProviderPolicy,
  ) {}

  async fetchPage(form: KaleyraForm, deadline: Deadline): Promise<KaleyraPage> {
    const fields = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) {
      if (value !== undefined) fields.set(key, String(value));
    }
    const post = this.settings.method === 'POST';
    return this.policy.run(deadline, async (signal) => {
      const { status, body, retryAfterMs } = await requestUpstream(this.http, this.target, {
        method: this.settings.method,
        url: `${this.target.baseUrl}/v1/${encodeURIComponent(this.target.account)}/voice/call-logs`,
        params: post ? undefined : fields,
        data: post ? fields.toString() : undefined,
        headers: {
          'api-key': this.target.secret(),
          'content-type': 'application/x-www-form-urlencoded',
          limit: String(this.settings.pageSize),
          accept: 'application/json',
        },
        signal,
      });
      return interpret(status, body, retryAfterMs);
    });
  }
}

/** Kaleyra names the outcome with an `RBC…` code; the HTTP status is the fallback. */
function interpret(status: number, body: unknown, retryAfterMs: number | undefined): KaleyraPage {
  const code = isRecord(body) && typeof body.code === 'string' ? body.code : undefined;
  const message =
    isRecord(body) && typeof body.message === 'string' ? body.message.slice(0, 200) : '';
  const fail = (kind: UpstreamError['code'], text: string): UpstreamError =>
    new UpstreamError('kaleyra', kind, text, { status, upstreamCode: code, retryAfterMs });

  if (code === KaleyraCode.success && status < 300) {
    const data = isRecord(body) ? body.data : undefined;
    if (!Array.isArray(data))
      throw fail('upstream_bad_response', 'Kaleyra answered RBC103 without a data list');
    const count = (name: string): number | undefined =>
      isRecord(body) && Number.isSafeInteger(body[name]) && (body[name] as number) >= 0
        ? (body[name] as number)
        : undefined;
    return {
      records: data as unknown[],
      total: count('total'),
      limit: count('limit') || undefined,
    };
  }
  if (code === KaleyraCode.badCredentials || status === 401 || status === 403) {
    throw fail('upstream_auth', `Kaleyra refused the credentials (${code ?? `HTTP ${status}`})`);
  }
  if (status === 429)
    throw fail('upstream_rate_limited', 'Kaleyra is rate-limiting the gateway (HTTP 429)');
  if (status >= 500)
    throw fail('upstream_unavailable', `Kaleyra answered HTTP ${status} (${code ?? 'no code'})`);
  if (code === KaleyraCode.badStartTime || status === 400) {
    throw fail(
      'upstream_rejected',
      `Kaleyra rejected the query (${code ?? 'HTTP 400'}: ${message})`,
    );
  }
  throw fail(
    'upstream_bad_response',
    `Kaleyra answered HTTP ${status} with code ${code ?? 'none'}: ${message}`,
  );
}
