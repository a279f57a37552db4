/**
 * Raw CINNOX shapes, as the vendor page documents them. Every field may be missing or empty, and
 * `phoneNumber` / `virtualNumber` are documented as Number but shown as "+85298765432".
 */

export const CINNOX_STATUSES = [
  'Call Ended',
  'Declined',
  'Busy',
  'Not Answered',
  'Cancelled',
  'Abandoned',
  'Unreachable',
  'Call Failed',
] as const;
export type CinnoxStatus = (typeof CINNOX_STATUSES)[number];

export const CINNOX_MAX_LIMIT = 500;

export const CinnoxCode = {
  ok: 0,
  badQuery: 6451000,
  badResponse: 6451001,
  tooManyRequests: 6451010,
  noRecords: 6451011,
  invalidToken: 6452000,
  invalidAppId: 6452001,
} as const;

export interface CinnoxCallerInfo {
  countryCode?: string;
  displayName?: string;
  eid?: string;
  isStaff?: boolean;
  phoneNumber?: number | string;
  serviceId?: string;
}

export interface CinnoxIpLocDetail {
  city?: string;
  province?: string;
  regionCode?: string;
  subdivision?: string;
}

export interface CinnoxCalleeInfo {
  displayName?: string;
  eid?: string;
  ipLocDetail?: CinnoxIpLocDetail;
  isStaff?: boolean;
  serviceId?: string;
  /** Not documented for the callee; taken when present. */
  phoneNumber?: number | string;
}

export interface CinnoxCallRecord {
  hid?: string;
  roomID?: string;
  /** `call` or `conference`. */
  type?: string;
  /** One of CINNOX_STATUSES, or a status nobody published. */
  status?: string;
  inquiryID?: string;
  displayCaseNumber?: string;
  callID?: string;
  callDuration?: number;
  callDate?: string;
  callEndTime?: string;
  byeReason?: string;
  /** `Caller` or `Callee`. */
  releaseParty?: string;
  virtualNumber?: number | string;
  /** `audio` or `video`. */
  mediaType?: string;
  callerInfo?: CinnoxCallerInfo;
  calleeInfo?: CinnoxCalleeInfo;
}

/** Query parameters of `GET /v1/api/apps/{appID}/data/call-log`. */
export interface CinnoxQuery {
  callID?: string;
  callType?: 'onnet' | 'offnet' | 'smartcall';
  status?: string;
  startAt?: string;
  endAt?: string;
  offset?: number;
  limit?: number;
}
