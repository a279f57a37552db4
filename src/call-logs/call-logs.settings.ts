import type { CountryCode } from 'libphonenumber-js';

/** What the endpoint is configured with. */
export abstract class CallLogsSettings {
  /** Widest window a query (or a cursor) may name, in days. */
  abstract readonly maxWindowDays: number;
  /** The country of national-notation numbers in `number` and `bridgeNumber`. */
  abstract readonly defaultRegion: CountryCode | undefined;
  /** Deadline of a request; `X-Request-Timeout` can lower it. */
  abstract readonly requestDeadlineMs: number;
  /** Widest window an export may name, in days. */
  abstract readonly maxExportDays: number;
  /** How long an export may go without a page of records before it ends as failed. */
  abstract readonly exportIdleTimeoutMs: number;
  /** Signs cursors; the same on every replica. */
  abstract readonly cursorSecret: string;
  /** Upstream requests one request may cause; past them the page is cut short, with a cursor. */
  abstract readonly maxUpstreamRequests: number;
  /** How much time after a walk's page is fetched behind it; 0 turns read-ahead off. */
  abstract readonly readAheadMs: number;
  /** Bytes of the pages each replica keeps for pinned windows. */
  abstract readonly pageCacheMaxBytes: number;
}
