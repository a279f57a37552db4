import {
  CINNOX_STATUSES,
  type CinnoxCalleeInfo,
  type CinnoxCallerInfo,
  type CinnoxCallRecord,
  type CinnoxIpLocDetail,
  type CinnoxStatus,
} from '../cinnox.types.js';
import {
  type DatasetOptions,
  HKT,
  Z,
  callsByHour,
  formatTime,
  talkSeconds,
} from '../../sandbox/call-volume.js';
import { CUSTOMERS, STAFF, type Country, type Staff } from '../../sandbox/people.js';
import type { Random } from '../../sandbox/random.js';

/** A seeded CINNOX call history: every status, both directions, audio and video, odd legal values. */

const PLACES: Record<Country, CinnoxIpLocDetail> = {
  HK: { city: 'Hong Kong', province: 'Hong Kong', regionCode: 'HK', subdivision: 'HK-HCW' },
  US: { city: 'Los Angeles', province: 'California', regionCode: 'US', subdivision: 'US-CA' },
  IN: { city: 'Bengaluru', province: 'Karnataka', regionCode: 'IN', subdivision: 'IN-KA' },
  GB: { city: 'London', province: 'England', regionCode: 'GB', subdivision: 'GB-LND' },
  SG: { city: 'Singapore', province: 'Singapore', regionCode: 'SG', subdivision: 'SG-01' },
};

const CINNOX_VIRTUAL_NUMBERS = ['85230011234', '85258087000', '6531581234', '13236000007'];

const CINNOX_STATUS_WEIGHT: Record<CinnoxStatus, number> = {
  'Call Ended': 45,
  'Not Answered': 12,
  Cancelled: 10,
  Declined: 8,
  Busy: 7,
  Abandoned: 6,
  Unreachable: 5,
  'Call Failed': 5,
};
const CINNOX_STATUS_ODDS = CINNOX_STATUSES.map((s) => [s, CINNOX_STATUS_WEIGHT[s]] as const);

// ITU Q.850 wording; CINNOX does not publish its list.
const BYE_REASONS: Record<CinnoxStatus, readonly string[]> = {
  'Call Ended': ['Normal call clearing'],
  Declined: ['Call rejected'],
  Busy: ['User busy'],
  'Not Answered': ['No answer from user (user alerted)', 'No user responding'],
  Cancelled: ['Normal, unspecified'],
  Abandoned: ['Normal call clearing'],
  Unreachable: ['Subscriber absent', 'No route to destination'],
  'Call Failed': [
    'Network out of order',
    'Temporary failure',
    'Switching equipment congestion',
    'Outgoing calls barred within CUG',
  ],
};

const UNPUBLISHED_CINNOX_STATUSES = ['Voicemail', 'Transferred'];

export function generateCinnoxRecords(options: DatasetOptions): CinnoxCallRecord[] {
  return callsByHour('cinnox', options, HKT, cinnoxCall);
}

function cinnoxCall(rng: Random, at: number): CinnoxCallRecord {
  const status = rng.chance(0.005)
    ? rng.pick(UNPUBLISHED_CINNOX_STATUSES)
    : rng.weighted(CINNOX_STATUS_ODDS);
  const known = CINNOX_STATUSES.find((s) => s === status);
  const shape = rng.weighted([
    ['inbound', 50],
    ['outbound', 35],
    ['internal', 10],
    ['external', 5],
  ] as const);
  const callerIsStaff = shape === 'outbound' || shape === 'internal';
  const calleeIsStaff = shape === 'inbound' || shape === 'internal';
  const zone = rng.weighted([
    [Z, 6],
    [HKT, 4],
  ]);
  const millis = rng.chance(0.5);
  const start = at + (millis ? rng.int(0, 999) : 0);
  const duration = status === 'Call Ended' ? talkSeconds(rng) : 0;
  const end = start + (rng.int(2, 40) + duration) * 1000;
  const enquiry = shape === 'inbound' && rng.chance(0.6);
  // Staff calling staff go app to app: no virtual number, empty or left out.
  const virtualNumber =
    shape !== 'internal'
      ? cinnoxNumber(rng, rng.pick(CINNOX_VIRTUAL_NUMBERS))
      : rng.chance(0.5)
        ? ''
        : undefined;
  return {
    hid: Math.floor(at / 1000).toString(16) + rng.hex(16),
    roomID: rng.uuid(),
    type: rng.chance(0.08) ? 'conference' : 'call',
    status,
    inquiryID: enquiry ? rng.uuid() : '',
    displayCaseNumber: enquiry ? `E${rng.int(100000, 999999)}` : '',
    callID: rng.uuid(),
    callDuration: duration,
    callDate: formatTime(start, zone, millis),
    callEndTime: formatTime(end, zone, millis),
    byeReason: known && rng.chance(0.95) ? rng.pick(BYE_REASONS[known]) : '',
    releaseParty: releaseParty(rng, status),
    ...(virtualNumber !== undefined && { virtualNumber }),
    mediaType: rng.chance(0.15) ? 'video' : 'audio',
    callerInfo: cinnoxCaller(rng, callerIsStaff),
    calleeInfo: cinnoxCallee(rng, calleeIsStaff),
  };
}

function cinnoxCaller(rng: Random, isStaff: boolean): CinnoxCallerInfo {
  if (isStaff) {
    const staff = rng.pick(STAFF);
    return { ...staffInfo(rng, staff), countryCode: staff.country, isStaff, phoneNumber: '' };
  }
  const customer = rng.pick(CUSTOMERS);
  return {
    countryCode: rng.chance(0.9) ? customer.country : '',
    displayName: displayName(rng, customer.name),
    eid: '',
    isStaff,
    phoneNumber: cinnoxNumber(rng, customer.number),
    serviceId: '',
  };
}

function cinnoxCallee(rng: Random, isStaff: boolean): CinnoxCalleeInfo {
  const person = isStaff ? rng.pick(STAFF) : rng.pick(CUSTOMERS);
  const location = rng.weighted<CinnoxIpLocDetail | undefined>([
    [PLACES[person.country], 75],
    [{ city: '', province: '', regionCode: '', subdivision: '' }, 12],
    [undefined, 13],
  ]);
  return {
    ...('eid' in person
      ? staffInfo(rng, person)
      : { displayName: displayName(rng, person.name), eid: '', serviceId: '' }),
    ...(location && { ipLocDetail: { ...location } }),
    isStaff,
    // Not documented for the callee, but an outbound call is worthless without it.
    ...('number' in person && { phoneNumber: cinnoxNumber(rng, person.number) }),
  };
}

function staffInfo(
  rng: Random,
  staff: Staff,
): Pick<CinnoxCallerInfo, 'displayName' | 'eid' | 'serviceId'> {
  return {
    displayName: displayName(rng, staff.name),
    eid: rng.chance(0.95) ? staff.eid : '',
    serviceId: staff.serviceId,
  };
}

function releaseParty(rng: Random, status: string): string {
  switch (status) {
    case 'Declined':
    case 'Busy':
    case 'Not Answered':
      return 'Callee';
    case 'Cancelled':
    case 'Abandoned':
      return 'Caller';
    case 'Call Ended':
      return rng.pick(['Caller', 'Callee']);
    default:
      return '';
  }
}

/** Documented as a Number, shown as "+85298765432"; real answers mix both, and leave some empty. */
function cinnoxNumber(rng: Random, digits: string): number | string {
  return rng.weighted<number | string>([
    [`+${digits}`, 60],
    [Number(digits), 20],
    [digits, 15],
    ['', 5],
  ]);
}

function displayName(rng: Random, name: string): string {
  return rng.chance(0.08) ? '' : name;
}
