import type { HttpService } from '@nestjs/axios';
import { context, propagation } from '@opentelemetry/api';
import { isAxiosError, type AxiosRequestConfig } from 'axios';
import { UpstreamError } from '../domain/upstream-error.js';
import type { UpstreamIdentity } from './provider-descriptor.js';

export interface UpstreamResponse {
  status: number;
  /** The parsed JSON body; `undefined` when the body was empty. */
  body: unknown;
  retryAfterMs: number | undefined;
}

/**
 * One HTTP exchange with an upstream: any status comes back to the caller to interpret, but a
 * network failure, a timeout or a body that is not JSON becomes an UpstreamError. The body is
 * parsed here rather than by axios, which hands back the raw string when JSON parsing fails.
 */
export async function requestUpstream(
  http: HttpService,
  { name: provider, label }: UpstreamIdentity,
  config: AxiosRequestConfig,
): Promise<UpstreamResponse> {
  // The trace goes on upstream: `traceparent` of the request's span, when it is traced.
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  let response;
  try {
    response = await http.axiosRef.request<string>({
      ...config,
      headers: { ...(config.headers as Record<string, string> | undefined), ...headers },
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
    });
  } catch (error) {
    throw networkError(provider, label, error);
  }
  const text = typeof response.data === 'string' ? response.data : '';
  let body: unknown;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new UpstreamError(
        provider,
        'upstream_bad_response',
        `${label} answered HTTP ${response.status} with a body that is not JSON`,
        { status: response.status },
      );
    }
  }
  return {
    status: response.status,
    body,
    retryAfterMs: retryAfterMs(response.headers['retry-after']),
  };
}

function networkError(provider: string, label: string, error: unknown): UpstreamError {
  if (isAxiosError(error)) {
    const code = error.code ?? '';
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') {
      return new UpstreamError(provider, 'upstream_timeout', `${label} did not answer in time`);
    }
    return new UpstreamError(
      provider,
      'upstream_unavailable',
      `${label} could not be reached (${code || 'network error'})`,
    );
  }
  return new UpstreamError(provider, 'upstream_unavailable', `${label} could not be reached`);
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
function retryAfterMs(header: unknown): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
