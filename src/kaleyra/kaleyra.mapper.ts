import { type CallStatus, type Cost, type Direction, type Party } from '../domain/call-log.js';
import { neverThrowing, type MapResult } from '../upstreams/record-mapper.js';
import { type Fields, text } from '../domain/json-values.js';
import { isRecord } from '../domain/is-record.js';
import { withLocation } from '../domain/party.js';
import { countryOf, toE164 } from '../domain/phone.js';
import { toUtcIso } from '../domain/time.js';
import { KALEYRA_STATUSES, type KaleyraCallRecord, type KaleyraStatus } from './kaleyra.types.js';

/** All 28 published tokens; the README's status table is checked against this one. */
export const KALEYRA_STATUS_MAP: Readonly<Record<KaleyraStatus, Exclude<CallStatus, 'unknown'>>> = {
  ANSWER: 'completed',
  FLOW_ANSWER: 'completed',
  NOANSWER: 'no_answer',
  NOANSWER_CHANNEL1: 'no_answer',
  NOANSWER_CHANNEL2: 'no_answer',
  MISS_CALL: 'no_answer',
  QUEUE_TIMEOUT: 'no_answer',
  OBD_TIMEOUT: 'no_answer',
  BUSY: 'busy',
  BUSY_CHANNEL1: 'busy',
  BUSY_CHANNEL2: 'busy',
  MAXUSE: 'busy',
  REJECTED: 'declined',
  CANCEL: 'canceled',
  CHANUNAVAIL: 'unreachable',
  BRIDGE_UNAVAILABLE: 'unreachable',
  FLOW_UNREACHABLE: 'unreachable',
  FAILED: 'failed',
  FAILED_CHANNEL1: 'failed',
  FAILED_CHANNEL2: 'failed',
  NOROUTE: 'failed',
  FLOW_UNASSIGNED: 'failed',
  FLOW_PAUSED: 'failed',
  FLOW_NOT_PUBLISHED: 'failed',
  NO_INCOMING_CLI: 'failed',
  CONGESTION: 'failed',
  BLOCKED: 'failed',
  DND: 'failed',
};

function finiteNumber(value: unknown): number | null {
  const number =
    typeof value === 'string' && /^-?\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : null;
}

function wholeSeconds(value: unknown): number | null {
  const seconds = finiteNumber(value);
  return seconds !== null && seconds >= 0 ? Math.round(seconds) : null;
}

/** The primary name wins; the alias is read only when the primary one holds no value. */
function either(primary: unknown, alias: unknown): unknown {
  return primary === undefined || primary === null || primary === '' ? alias : primary;
}

function isKaleyraStatus(value: unknown): value is KaleyraStatus {
  return (KALEYRA_STATUSES as readonly unknown[]).includes(value);
}

export function kaleyraStatus(raw: unknown): CallStatus {
  return isKaleyraStatus(raw) ? KALEYRA_STATUS_MAP[raw] : 'unknown';
}

/**
 * The tokens for Kaleyra's comma-separated `status` filter, sorted. Null when `unknown` is asked
 * for: it stands for tokens nobody has published, which no filter can name.
 */
export function kaleyraStatusesFor(statuses: readonly CallStatus[]): KaleyraStatus[] | null {
  if (statuses.includes('unknown')) return null;
  return KALEYRA_STATUSES.filter((token) => statuses.includes(KALEYRA_STATUS_MAP[token])).sort();
}

export function kaleyraDirection(callType: unknown): Direction {
  const type = text(callType)?.toLowerCase();
  if (type === 'incoming') return 'inbound';
  return type === 'outgoing' ? 'outbound' : 'unknown';
}

function party(value: unknown): Party {
  const number = toE164(value);
  return { number, name: null, staffId: null, isStaff: null, country: countryOf(number) };
}

function callId(value: unknown): string | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : text(value);
}

function mapRecord(raw: unknown): MapResult {
  if (!isRecord(raw)) return { ok: false, reason: 'record is not an object' };
  const record: Fields<KaleyraCallRecord> = raw;
  const id = callId(either(record.id, record.call_id));
  if (!id) return { ok: false, reason: 'id is missing' };
  const startedAt = toUtcIso(record.start_time);
  if (!startedAt) return { ok: false, reason: `start_time is missing or invalid (id ${id})` };

  const statusRaw = text(record.status);
  const credits = finiteNumber(either(record.credits, record.cost));
  const cost: Cost | null = credits === null ? null : { amount: credits, unit: 'credits' };
  return {
    ok: true,
    record: {
      id: `kaleyra:${id}`,
      provider: 'kaleyra',
      providerCallId: id,
      direction: kaleyraDirection(either(record.call_type, record.type)),
      status: kaleyraStatus(statusRaw),
      statusRaw,
      startedAt,
      endedAt: toUtcIso(record.end_time),
      durationSeconds: wholeSeconds(either(record.billsec, record.duration)),
      caller: party(either(record.caller, record.from)),
      callee: withLocation(party(either(record.callee, record.to)), null),
      // The Call Log Pull API belongs to Kaleyra's voice product.
      mediaType: 'audio',
      endReason: null,
      endedBy: null,
      bridgeNumber: toE164(record.bridge),
      cost,
      raw,
    },
  };
}

/** One upstream record to a `CallLog`, or the reason it cannot be one. Never throws. */
export const mapKaleyraRecord = neverThrowing(mapRecord);
