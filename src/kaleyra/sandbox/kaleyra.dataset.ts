import { KALEYRA_STATUSES, type KaleyraCallRecord, type KaleyraStatus } from '../kaleyra.types.js';
import {
  type DatasetOptions,
  IST,
  NO_OFFSET,
  UTC,
  callsByHour,
  formatTime,
  talkSeconds,
} from '../../sandbox/call-volume.js';
import { CUSTOMERS } from '../../sandbox/people.js';
import type { Random } from '../../sandbox/random.js';

/** A seeded Kaleyra call history: every status, aliases of field names, times with and without offsets. */

const KALEYRA_BRIDGES = ['13236000007', '918047101234', '918067205555', '442038085000'];
const KALEYRA_AGENTS = ['919845012345', '919900112233', '13235550199', '447700900789'];

// The statuses a real account sees most; every other one gets the same small share.
const KALEYRA_COMMON: Partial<Record<KaleyraStatus, number>> = {
  ANSWER: 30,
  FLOW_ANSWER: 8,
  NOANSWER: 8,
  MISS_CALL: 5,
  BUSY: 5,
};
const KALEYRA_STATUS_ODDS = KALEYRA_STATUSES.map((s) => [s, KALEYRA_COMMON[s] ?? 1.5] as const);

const UNPUBLISHED_KALEYRA_STATUSES = ['NEW_STATUS_X', 'SIP_TIMEOUT'];

export function generateKaleyraRecords(options: DatasetOptions): KaleyraCallRecord[] {
  return callsByHour('kaleyra', options, IST, kaleyraCall);
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
