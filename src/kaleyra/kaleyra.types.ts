/**
 * Raw Kaleyra shapes. The record fields are not published: these are the names of the vendor's
 * callback variables, with the aliases a real response may use instead.
 */

export const KALEYRA_STATUSES = [
  'ANSWER',
  'FLOW_ANSWER',
  'NOANSWER',
  'NOANSWER_CHANNEL1',
  'NOANSWER_CHANNEL2',
  'MISS_CALL',
  'QUEUE_TIMEOUT',
  'OBD_TIMEOUT',
  'BUSY',
  'BUSY_CHANNEL1',
  'BUSY_CHANNEL2',
  'MAXUSE',
  'REJECTED',
  'CANCEL',
  'FAILED',
  'FAILED_CHANNEL1',
  'FAILED_CHANNEL2',
  'NOROUTE',
  'BRIDGE_UNAVAILABLE',
  'FLOW_UNASSIGNED',
  'FLOW_PAUSED',
  'FLOW_NOT_PUBLISHED',
  'FLOW_UNREACHABLE',
  'NO_INCOMING_CLI',
  // Reported by older accounts.
  'CHANUNAVAIL',
  'CONGESTION',
  'DND',
  'BLOCKED',
] as const;
export type KaleyraStatus = (typeof KALEYRA_STATUSES)[number];

export const KaleyraCode = {
  success: 'RBC103',
  badCredentials: 'RBC001',
  badStartTime: 'RBC3004',
} as const;

/** Logs are kept for 7 days including the current day. */
export const KALEYRA_RETENTION_DAYS = 7;
/** The page size Kaleyra applies when a request sends no `limit`. */
export const KALEYRA_DEFAULT_PAGE_SIZE = 25;
/**
 * The page size the gateway asks for. Kaleyra answers with the `limit` it applied, and the gateway
 * pages by that, so asking for more than Kaleyra serves costs nothing.
 */
export const KALEYRA_ASKED_PAGE_SIZE = 200;

export interface KaleyraCallRecord {
  id?: string;
  call_id?: string;
  /** `Incoming` or `Outgoing`. */
  call_type?: string;
  type?: string;
  caller?: string | number;
  from?: string | number;
  callee?: string | number;
  to?: string | number;
  bridge?: string | number;
  start_time?: string;
  end_time?: string;
  /** One of KALEYRA_STATUSES, or any other uppercase token. */
  status?: string;
  billsec?: number | string;
  duration?: number | string;
  ringtime?: number | string;
  credits?: number | string;
  cost?: number | string;
}

/** Form fields of `POST /v1/{SID}/voice/call-logs`; `limit` travels as a header. */
export interface KaleyraForm {
  status?: string;
  call_id?: string;
  start_time?: string;
  end_time?: string;
  page?: number;
  offset?: number;
  bridge?: string;
}

export interface KaleyraBody {
  status?: number;
  code: string;
  message: string;
  data: KaleyraCallRecord[];
  error: Record<string, string>;
  total?: number;
  offset?: number;
  limit?: number;
  page?: number;
}

/**
 * The start of Kaleyra's retention: midnight UTC six days before `now`, so that "7 days including
 * the current day" holds whatever hour it is.
 */
export function kaleyraRetentionFloor(now: Date): Date {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(midnight - (KALEYRA_RETENTION_DAYS - 1) * 86_400_000);
}
