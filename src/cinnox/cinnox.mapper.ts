import {
  type CallStatus,
  type Direction,
  type EndedBy,
  type Location,
  type MediaType,
  type Party,
} from '../domain/call-log.js';
import { neverThrowing, type MapResult } from '../upstreams/record-mapper.js';
import { type Fields, text } from '../domain/json-values.js';
import { isRecord } from '../domain/is-record.js';
import { withLocation } from '../domain/party.js';
import { countryOf, toE164 } from '../domain/phone.js';
import { toUtcIso } from '../domain/time.js';
import {
  CINNOX_STATUSES,
  type CinnoxCalleeInfo,
  type CinnoxCallerInfo,
  type CinnoxCallRecord,
  type CinnoxIpLocDetail,
  type CinnoxStatus,
} from './cinnox.types.js';

/** Every status CINNOX publishes has a real meaning: none of them maps to `unknown`. */
export const CINNOX_STATUS_MAP: Readonly<Record<CinnoxStatus, Exclude<CallStatus, 'unknown'>>> = {
  'Call Ended': 'completed',
  Declined: 'declined',
  Busy: 'busy',
  'Not Answered': 'no_answer',
  Cancelled: 'canceled',
  Abandoned: 'abandoned',
  Unreachable: 'unreachable',
  'Call Failed': 'failed',
};

type PartyFields = Fields<
  Pick<CinnoxCallerInfo, 'displayName' | 'eid' | 'isStaff' | 'phoneNumber'>
>;

function wholeSeconds(value: unknown): number | null {
  const seconds =
    typeof value === 'string' && /^\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
    ? Math.round(seconds)
    : null;
}

function countryCode(value: unknown): string | null {
  const code = text(value);
  return code && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : null;
}

function isCinnoxStatus(value: unknown): value is CinnoxStatus {
  return (CINNOX_STATUSES as readonly unknown[]).includes(value);
}

export function cinnoxStatus(raw: unknown): CallStatus {
  return isCinnoxStatus(raw) ? CINNOX_STATUS_MAP[raw] : 'unknown';
}

/** The CINNOX `status` filter for a unified status; null for `unknown`, which has no filter. */
export function cinnoxStatusFor(status: CallStatus): CinnoxStatus | null {
  return CINNOX_STATUSES.find((candidate) => CINNOX_STATUS_MAP[candidate] === status) ?? null;
}

/** CINNOX has no direction field: the side our staff is on says which way the call went. */
export function cinnoxDirection(callerIsStaff: unknown, calleeIsStaff: unknown): Direction {
  if (typeof callerIsStaff !== 'boolean' || typeof calleeIsStaff !== 'boolean') return 'unknown';
  if (callerIsStaff) return calleeIsStaff ? 'internal' : 'outbound';
  // Two outside parties (a relayed call): neither side is ours, so no direction is honest.
  return calleeIsStaff ? 'inbound' : 'unknown';
}

function party(info: PartyFields, countryHint: unknown): Party {
  const number = toE164(info.phoneNumber);
  return {
    number,
    name: text(info.displayName),
    staffId: text(info.eid),
    isStaff: typeof info.isStaff === 'boolean' ? info.isStaff : null,
    country: countryCode(countryHint) ?? countryOf(number),
  };
}

function location(detail: Fields<CinnoxIpLocDetail>): Location | null {
  const place: Location = {
    city: text(detail.city),
    province: text(detail.province),
    regionCode: text(detail.regionCode),
    subdivision: text(detail.subdivision),
  };
  return Object.values(place).some((part) => part !== null) ? place : null;
}

function mediaType(value: unknown): MediaType | null {
  const media = text(value)?.toLowerCase();
  return media === 'audio' || media === 'video' ? media : null;
}

function endedBy(value: unknown): EndedBy | null {
  const side = text(value)?.toLowerCase();
  return side === 'caller' || side === 'callee' ? side : null;
}

function mapRecord(raw: unknown): MapResult {
  if (!isRecord(raw)) return { ok: false, reason: 'record is not an object' };
  const record: Fields<CinnoxCallRecord> = raw;
  const callId = text(record.callID);
  if (!callId) return { ok: false, reason: 'callID is missing' };
  const startedAt = toUtcIso(record.callDate);
  if (!startedAt) return { ok: false, reason: `callDate is missing or invalid (callID ${callId})` };

  const callerInfo: Fields<CinnoxCallerInfo> = isRecord(record.callerInfo) ? record.callerInfo : {};
  const calleeInfo: Fields<CinnoxCalleeInfo> = isRecord(record.calleeInfo) ? record.calleeInfo : {};
  const ipLocDetail: Fields<CinnoxIpLocDetail> = isRecord(calleeInfo.ipLocDetail)
    ? calleeInfo.ipLocDetail
    : {};
  const statusRaw = text(record.status);
  return {
    ok: true,
    record: {
      id: `cinnox:${callId}`,
      provider: 'cinnox',
      providerCallId: callId,
      direction: cinnoxDirection(callerInfo.isStaff, calleeInfo.isStaff),
      status: cinnoxStatus(statusRaw),
      statusRaw,
      startedAt,
      endedAt: toUtcIso(record.callEndTime),
      durationSeconds: wholeSeconds(record.callDuration),
      caller: party(callerInfo, callerInfo.countryCode),
      callee: withLocation(party(calleeInfo, ipLocDetail.regionCode), location(ipLocDetail)),
      mediaType: mediaType(record.mediaType),
      endReason: text(record.byeReason),
      endedBy: endedBy(record.releaseParty),
      bridgeNumber: toE164(record.virtualNumber),
      cost: null,
      raw,
    },
  };
}

/** One upstream record to a `CallLog`, or the reason it cannot be one. Never throws. */
export const mapCinnoxRecord = neverThrowing(mapRecord);
