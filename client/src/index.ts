import createClient from 'openapi-fetch';
import type { components, operations } from './schema.js';

/** A call-log record, as `/call-logs` and its export give it. */
export type CallLog = components['schemas']['CallLogDto'];
export type Page = components['schemas']['CallLogPageDto'];
export type ProviderMeta = components['schemas']['ProviderMetaDto'];
export type Problem = components['schemas']['ProblemDto'];
/** The query of one page of `/call-logs`. */
export type PageQuery = NonNullable<operations['CallLogsController_list']['parameters']['query']>;
/** The query of an export: the filters of a page, and a resume cursor. */
export type ExportQuery = Omit<
  NonNullable<operations['CallLogExportController_export']['parameters']['query']>,
  'format'
>;
export type ExportFormat = 'ndjson' | 'csv';
/** The last line of an NDJSON export. */
export interface ExportMeta {
  providers: ProviderMeta[];
  window: { since: string; until: string };
  complete: boolean;
  resumeCursor: string | null;
  records: number;
}

export interface ClientOptions {
  /** Where the gateway listens, such as `http://localhost:3000`. */
  baseUrl: string;
  /** Sent as `X-API-Key`; a token may be sent as `Authorization: Bearer` through `headers`. */
  apiKey?: string;
  headers?: Record<string, string>;
  /** Times a request refused with 429 is asked again, after its `Retry-After`. */
  retries?: number;
  /** How the client waits before asking again (a test's own clock). */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

/** The gateway refused a request: its problem (RFC 9457) and status. */
export class CallLogsError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem === undefined ? `HTTP ${status}` : `${problem.title}: ${problem.detail}`);
    this.name = 'CallLogsError';
  }
}

/**
 * A walk that reached its end while a provider still owes records: they were not given, and
 * `resumeCursor` brings exactly them once the provider answers again.
 */
export class IncompleteWalkError extends Error {
  constructor(
    readonly resumeCursor: string,
    readonly providers: ProviderMeta[],
  ) {
    super(
      `the walk is incomplete: ${providers
        .filter((meta) => meta.error !== undefined)
        .map((meta) => `${meta.provider}: ${meta.error?.code ?? 'error'}`)
        .join('; ')}`,
    );
    this.name = 'IncompleteWalkError';
  }
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds from a `Retry-After` header (seconds or an HTTP date), at least one. */
function retryAfterMs(header: string | null): number {
  if (header === null) return 1_000;
  const seconds = /^\d+$/.test(header.trim())
    ? Number(header)
    : (Date.parse(header) - Date.now()) / 1000;
  return Math.max(1, Number.isFinite(seconds) ? seconds : 1) * 1000;
}

export type CallLogsClient = ReturnType<typeof createCallLogsClient>;

/** A client of the gateway's `/call-logs` and `/call-logs/export`, typed from its OpenAPI document. */
export function createCallLogsClient(options: ClientOptions) {
  const http = createClient<{
    '/call-logs': { get: operations['CallLogsController_list'] };
    '/call-logs/export': { get: operations['CallLogExportController_export'] };
  }>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: {
      ...(options.apiKey !== undefined && { 'x-api-key': options.apiKey }),
      ...options.headers,
    },
    ...(options.fetch !== undefined && { fetch: options.fetch }),
  });
  const retries = options.retries ?? 5;
  const sleep = options.sleep ?? wait;

  /** Asks until the answer is not a 429, or the retries are spent. */
  async function patiently<T extends { response: Response }>(ask: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const answer = await ask();
      if (answer.response.status !== 429 || attempt >= retries) return answer;
      // openapi-fetch has read the problem of a 429 already; a body not read is let go.
      if (!answer.response.bodyUsed) await answer.response.body?.cancel();
      await sleep(retryAfterMs(answer.response.headers.get('retry-after')));
    }
  }

  async function page(query: PageQuery = {}): Promise<Page> {
    const { data, error, response } = await patiently(() =>
      http.GET('/call-logs', { params: { query } }),
    );
    if (data === undefined) throw new CallLogsError(response.status, error);
    return data;
  }

  /**
   * Every record of the query, page after page: follows `nextCursor`, asks again after a 429's
   * `Retry-After`, and throws IncompleteWalkError at the end when a provider still owes records.
   * `onPage` sees each page as it comes (its meta says how each provider answered).
   */
  async function* walk(
    query: Omit<PageQuery, 'cursor'> = {},
    onPage?: (page: Page) => void,
  ): AsyncGenerator<CallLog, void, undefined> {
    let cursor: string | undefined;
    for (;;) {
      const answer = await page(cursor === undefined ? query : { ...query, cursor });
      onPage?.(answer);
      yield* answer.data;
      if (answer.page.nextCursor !== null) {
        cursor = answer.page.nextCursor;
        continue;
      }
      if (answer.page.resumeCursor !== null) {
        throw new IncompleteWalkError(answer.page.resumeCursor, answer.meta.providers);
      }
      return;
    }
  }

  /** The export of a whole window as the gateway streams it: bytes of NDJSON or CSV. */
  async function exportStream(
    query: ExportQuery,
    format: ExportFormat,
  ): Promise<ReadableStream<Uint8Array>> {
    const { response, error } = await patiently(() =>
      http.GET('/call-logs/export', {
        params: { query: { ...query, format } },
        parseAs: 'stream',
      }),
    );
    if (!response.ok || response.body === null) {
      throw new CallLogsError(response.status, error);
    }
    return response.body;
  }

  return { page, walk, export: exportStream };
}
