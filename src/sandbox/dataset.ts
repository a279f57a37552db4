import {
  CINNOX_STATUSES,
  type CinnoxCalleeInfo,
  type CinnoxCallerInfo,
  type CinnoxCallRecord,
  type CinnoxIpLocDetail,
  type CinnoxStatus,
} from '../cinnox/cinnox.types.js';
import {
  KALEYRA_STATUSES,
  type KaleyraCallRecord,
  type KaleyraStatus,
} from '../kaleyra/kaleyra.types.js';
import { hash32, Random } from './random.js';
import { DAY, HOUR } from '../domain/time.js';

/**
 * A seeded, realistic call history for both providers: legal but awkward values included, broken
 * records not (those come from the simulators' `oddRecords` fault).
 */

export const DEFAULT_SEED = 42;

export interface DatasetOptions {
  seed?: number;
  now: Date;
  /** Calls span [now - days, now). Default 14. */
  days?: number;
  /** Calls on a working day, per provider. Default 250. */
  callsPerDay?: number;
}

export interface Dataset {
  cinnox: CinnoxCallRecord[];
  kaleyra: KaleyraCallRecord[];
}

export function generateDataset(options: DatasetOptions): Dataset {
  return { cinnox: generateCinnoxRecords(options), kaleyra: generateKaleyraRecords(options) };
}

type Country = 'HK' | 'US' | 'IN' | 'GB' | 'SG';
interface Customer {
  name: string;
  /** Country code and number, digits only. */
  number: string;
  country: Country;
}
interface Staff {
  name: string;
  eid: string;
  serviceId: string;
  country: Country;
}
interface Zone {
  label: string;
  minutes: number;
}

// A small pool, so that a filter on one number finds several calls. Fictional ranges where a
// country has them (US 555-01xx, UK 07700 900xxx).
const CUSTOMERS: readonly Customer[] = [
  { name: '陳大文', number: '85298765432', country: 'HK' },
  { name: 'Chan Siu Ming', number: '85261234567', country: 'HK' },
  { name: 'Mia 🌸 Wong', number: '85255501234', country: 'HK' },
  { name: 'José Álvarez', number: '13235550142', country: 'US' },
  { name: 'Emily Carter', number: '12125550178', country: 'US' },
  { name: 'प्रिया शर्मा', number: '919876543210', country: 'IN' },
  { name: 'Rahul Verma', number: '919812345678', country: 'IN' },
  { name: 'Anaïs Dubois', number: '447700900123', country: 'GB' },
  { name: 'Zoë O’Brien', number: '447700900456', country: 'GB' },
  { name: 'Tan Wei Ling 陈伟玲', number: '6591234567', country: 'SG' },
  { name: 'Nguyễn Văn An', number: '6581112233', country: 'SG' },
];

const STAFF: readonly Staff[] = [
  { name: '黃志明', eid: 'e-7f3a1c90', serviceId: 'svc-sales-hk', country: 'HK' },
  { name: 'Mei Ling Lau', eid: 'e-19b2d4e6', serviceId: 'svc-support-hk', country: 'HK' },
  { name: 'Dev Patel', eid: 'e-5c8e0a27', serviceId: 'svc-support-sg', country: 'SG' },
  { name: 'Sarah Kim', eid: 'e-a04f6b31', serviceId: 'svc-sales-us', country: 'US' },
  { name: 'Ólafur Jónsson', eid: 'e-d2e9c758', serviceId: 'svc-support-gb', country: 'GB' },
];

const PLACES: Record<Country, CinnoxIpLocDetail> = {
  HK: { city: 'Hong Kong', province: 'Hong Kong', regionCode: 'HK', subdivision: 'HK-HCW' },
  US: { city: 'Los Angeles', province: 'California', regionCode: 'US', subdivision: 'US-CA' },
  IN: { city: 'Bengaluru', province: 'Karnataka', regionCode: 'IN', subdivision: 'IN-KA' },
  GB: { city: 'London', province: 'England', regionCode: 'GB', subdivision: 'GB-LND' },
  SG: { city: 'Singapore', province: 'Singapore', regionCode: 'SG', subdivision: 'SG-01' },
};

const CINNOX_VIRTUAL_NUMBERS = ['85230011234', '85258087000', '6531581234', '13236000007'];
const KALEYRA_BRIDGES = ['13236000007', '918047101234', '918067205555', '442038085000'];
const KALEYRA_AGENTS = ['919845012345', '919900112233', '13235550199', '447700900789'];

const Z: Zone = { label: 'Z', minutes: 0 };
const UTC: Zone = { label: '+00:00', minutes: 0 };
const HKT: Zone = { label: '+08:00', minutes: 480 };
const IST: Zone = { label: '+05:30', minutes: 330 };
/** Some Kaleyra times come without an offset; the contract reads them as UTC. */
const NO_OFFSET: Zone = { label: '', minutes: 0 };

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

// The statuses a real account sees most; every other one gets the same small share.
const KALEYRA_COMMON: Partial<Record<KaleyraStatus, number>> = {
  ANSWER: 30,
  FLOW_ANSWER: 8,
  NOANSWER: 8,
  MISS_CALL: 5,
  BUSY: 5,
};
const KALEYRA_STATUS_ODDS = KALEYRA_STATUSES.map((s) => [s, KALEYRA_COMMON[s] ?? 1.5] as const);

const UNPUBLISHED_CINNOX_STATUSES = ['Voicemail', 'Transferred'];
const UNPUBLISHED_KALEYRA_STATUSES = ['NEW_STATUS_X', 'SIP_TIMEOUT'];

// Relative call volume per local hour: a working day with a lunch dip, near silence at night.
const HOURLY_VOLUME = [
  0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.2, 0.6, 1, 1.2, 1.1, 0.7, 0.9, 1.1, 1.1, 1, 0.8, 0.5,
  0.3, 0.2, 0.1, 0.05, 0.03,
];
const WEEKEND_VOLUME = 0.15;

export function generateCinnoxRecords(options: DatasetOptions): CinnoxCallRecord[] {
  return callsByHour('cinnox', options, HKT, cinnoxCall);
}

export function generateKaleyraRecords(options: DatasetOptions): KaleyraCallRecord[] {
  return callsByHour('kaleyra', options, IST, kaleyraCall);
}

/**
 * The calls over [now - days, now), busy in the provider's business hours. Each hour of each
 * provider draws from a stream of its own, seeded by the seed and the hour: the calls of an hour
 * are the same whatever instant the data set is anchored at, and whatever the other provider does.
 */
function callsByHour<R>(
  provider: string,
  { seed = DEFAULT_SEED, now, days = 14, callsPerDay = 250 }: DatasetOptions,
  local: Zone,
  call: (rng: Random, at: number) => R,
): R[] {
  const end = now.getTime();
  const start = end - days * DAY;
  const dailyVolume = HOURLY_VOLUME.reduce((sum, v) => sum + v, 0);
  const records: R[] = [];
  for (let hour = Math.floor(start / HOUR) * HOUR; hour < end; hour += HOUR) {
    const rng = new Random(hash32(`${provider}:${hour}`, seed));
    const clock = new Date(hour + local.minutes * 60_000);
    const weekend = clock.getUTCDay() === 0 || clock.getUTCDay() === 6;
    const expected =
      (callsPerDay * HOURLY_VOLUME[clock.getUTCHours()] * (weekend ? WEEKEND_VOLUME : 1)) /
      dailyVolume;
    // Rounding up with a probability equal to the fraction keeps the expected volume.
    const count = Math.floor(expected + rng.next());
    const times = Array.from({ length: count }, () => hour + rng.int(0, 3599) * 1000);
    for (const at of times.sort((a, b) => a - b)) {
      // Made even when outside the span, so that the hour's stream does not depend on the span.
      const record = call(rng, at);
      if (at >= start && at < end) records.push(record);
    }
  }
  return records;
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

function kaleyraCall(rng: Random, at: number): KaleyraCallRecord {
  const status = rng.chance(0.005)
    ? rng.pick(UNPUBLISHED_KALEYRA_STATUSES)
    : rng.weighted(KALEYRA_STATUS_ODDS);
  const answered = status === 'ANSWER' || status === 'FLOW_ANSWER';
  const outgoing = rng.chance(0.45);
  const customer = rng.pick(CUSTOMERS).number;
  const agent = rng.pick(KALEYRA_AGENTS);
  const bridge = rng.pick(KALEYRA_BRIDGES);
  const ringtime = answered ? rng.int(2, 25) : rng.int(0, 45);
  const billsec = answered ? talkSeconds(rng) : 0;
  const credits = Math.ceil(billsec / 60) * 0.5;
  const zone = rng.weighted([
    [UTC, 55],
    [IST, 40],
    [NO_OFFSET, 5],
  ]);
  const record: KaleyraCallRecord = {
    id: `${rng.uuid()}-1`,
    call_type: outgoing ? 'Outgoing' : 'Incoming',
    caller: kaleyraNumber(rng, outgoing ? agent : customer),
    callee: kaleyraNumber(rng, outgoing ? customer : agent),
    bridge: kaleyraNumber(rng, bridge),
    start_time: formatTime(at, zone, false),
    end_time: formatTime(at + (ringtime + billsec) * 1000, zone, false),
    status,
    billsec: rng.chance(0.1) ? String(billsec) : billsec,
    ringtime,
    credits: rng.chance(0.1) ? credits.toFixed(2) : credits,
  };
  return rng.chance(0.05) ? withAliases(record) : record;
}

function kaleyraNumber(rng: Random, digits: string): string {
  return rng.chance(0.15) ? `+${digits}` : digits;
}

/** The same call under the other names a real response may use. */
function withAliases({
  id,
  caller,
  callee,
  call_type,
  billsec,
  credits,
  ...rest
}: KaleyraCallRecord): KaleyraCallRecord {
  return {
    call_id: id,
    type: call_type,
    from: caller,
    to: callee,
    ...rest,
    duration: billsec,
    cost: credits,
  };
}

/** Mostly short calls, a few long ones: 5 s to 30 min, log-uniform. */
function talkSeconds(rng: Random): number {
  return Math.round(5 * Math.exp(rng.next() * Math.log(360)));
}

/** RFC 3339 as the wall clock of `zone` shows it. */
function formatTime(ms: number, zone: Zone, millis: boolean): string {
  const wallClock = new Date(ms + zone.minutes * 60_000).toISOString();
  return wallClock.slice(0, millis ? 23 : 19) + zone.label;
}
