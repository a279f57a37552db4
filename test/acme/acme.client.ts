import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import type { Deadline } from '../../src/domain/deadline.js';
import { isRecord } from '../../src/domain/is-record.js';
import { UpstreamError } from '../../src/domain/upstream-error.js';
import { ProviderPolicy } from '../../src/upstreams/provider-policy.js';
import { requestUpstream } from '../../src/upstreams/upstream-http.js';
import { UpstreamTarget } from '../../src/upstreams/upstream-target.js';

/** HTTP only: one page of `GET /calls`. */
@Injectable()
export class AcmeClient {
  constructor(
    private readonly http: HttpService,
    private readonly target: UpstreamTarget,
    private readonly policy: ProviderPolicy,
  ) {}

  fetchPage(
    query: { from: string; to: string; after?: string },
    deadline: Deadline,
  ): Promise<{ calls: unknown[]; next: string | null }> {
    return this.policy.run(deadline, async (signal) => {
      const { status, body } = await requestUpstream(this.http, this.target, {
        method: 'GET',
        url: `${this.target.baseUrl}/calls`,
        params: query,
        headers: { authorization: `Token ${this.target.secret()}` },
        signal,
      });
      if (status === 401)
        throw new UpstreamError('acme', 'upstream_auth', 'Acme refused the token');
      if (status >= 500) throw new UpstreamError('acme', 'upstream_unavailable', `Acme ${status}`);
      if (status !== 200 || !isRecord(body) || !Array.isArray(body.calls)) {
        throw new UpstreamError('acme', 'upstream_bad_response', `Acme answered ${status}`);
      }
      return {
        calls: body.calls as unknown[],
        next: typeof body.next === 'string' ? body.next : null,
      };
    });
  }
}
