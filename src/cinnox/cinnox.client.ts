import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { isRecord } from '../domain/is-record.js';
import type { Deadline } from '../domain/deadline.js';
import { ProviderPolicy } from '../upstreams/provider-policy.js';
import { UpstreamError } from '../domain/upstream-error.js';
import { requestUpstream } from '../upstreams/upstream-http.js';
import { UpstreamTarget } from '../upstreams/upstream-target.js';
import { CinnoxCode, type CinnoxQuery } from './cinnox.types.js';

/** HTTP only: one page of `GET /v1/api/apps/{appID}/data/call-log`, its answer classified. */
@Injectable()
export class CinnoxClient {
  constructor(
    private readonly http: HttpService,
    private readonly target: UpstreamTarget,
    private readonly policy: ProviderPolicy,
  ) {}

  async fetchPage(query: CinnoxQuery, deadline: Deadline): Promise<unknown[]> {
    return this.policy.run(deadline, async (signal) => {
      const { status, body, retryAfterMs } = await requestUpstream(this.http, this.target, {
        method: 'GET',
        url: `${this.target.baseUrl}/v1/api/apps/${encodeURIComponent(this.target.account)}/data/call-log`,
        params: query,
        headers: { Authorization: `Bearer ${this.target.secret()}`, Accept: 'application/json' },
        signal,
      });
      return interpret(status, body, retryAfterMs);
    });
  }
}

/** CINNOX says what happened in the body's `code`; the HTTP status is the fallback. */
function interpret(status: number, body: unknown, retryAfterMs: number | undefined): unknown[] {
  const code = isRecord(body) && typeof body.code === 'number' ? body.code : undefined;
  const message =
    isRecord(body) && typeof body.message === 'string' ? body.message.slice(0, 200) : '';
  const fail = (kind: UpstreamError['code'], text: string): UpstreamError =>
    new UpstreamError('cinnox', kind, text, { status, upstreamCode: code, retryAfterMs });

  switch (code) {
    case CinnoxCode.ok: {
      const result = isRecord(body) ? body.result : undefined;
      if (result === undefined || result === null) return [];
      if (!Array.isArray(result))
        throw fail('upstream_bad_response', 'CINNOX answered code 0 without a result list');
      return result as unknown[];
    }
    case CinnoxCode.noRecords:
      return [];
    case CinnoxCode.invalidToken:
    case CinnoxCode.invalidAppId:
      throw fail('upstream_auth', `CINNOX refused the credentials (code ${code}: ${message})`);
    case CinnoxCode.badQuery:
      throw fail('upstream_rejected', `CINNOX rejected the query (code ${code}: ${message})`);
    case CinnoxCode.tooManyRequests:
      throw fail('upstream_rate_limited', `CINNOX is rate-limiting the gateway (code ${code})`);
    case CinnoxCode.badResponse:
      throw fail('upstream_unavailable', `CINNOX reported an internal error (code ${code})`);
    case undefined:
    default:
      if (status === 429)
        throw fail('upstream_rate_limited', 'CINNOX is rate-limiting the gateway (HTTP 429)');
      if (status === 401 || status === 403)
        throw fail('upstream_auth', `CINNOX refused the credentials (HTTP ${status})`);
      if (status >= 500) throw fail('upstream_unavailable', `CINNOX answered HTTP ${status}`);
      throw fail(
        'upstream_bad_response',
        code === undefined
          ? `CINNOX answered HTTP ${status} without a result code`
          : `CINNOX answered an unknown code ${code}: ${message}`,
      );
  }
}
