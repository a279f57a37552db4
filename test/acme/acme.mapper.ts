import type { CallStatus, Party } from '../../src/domain/call-log.js';
import { isRecord } from '../../src/domain/is-record.js';
import { text } from '../../src/domain/json-values.js';
import { countryOf, toE164 } from '../../src/domain/phone.js';
import { toUtcIso } from '../../src/domain/time.js';
import { type MapResult, neverThrowing } from '../../src/upstreams/record-mapper.js';

const STATUS: Record<string, CallStatus> = {
  answered: 'completed',
  missed: 'no_answer',
  busy: 'busy',
};

function party(value: unknown): Party {
  const number = toE164(value);
  return { number, name: null, staffId: null, isStaff: null, country: countryOf(number) };
}

/** Pure: one Acme call, or why it is not one. */
export const mapAcmeCall = neverThrowing((raw: unknown): MapResult => {
  if (!isRecord(raw)) return { ok: false, reason: 'record is not an object' };
  const id = text(raw.uuid);
  const startedAt = toUtcIso(raw.started);
  if (id === null || startedAt === null) return { ok: false, reason: 'no uuid or start' };
  const seconds = typeof raw.seconds === 'number' ? raw.seconds : null;
  return {
    ok: true,
    record: {
      id: `acme:${id}`,
      provider: 'acme',
      providerCallId: id,
      direction: 'inbound',
      status: STATUS[String(raw.outcome)] ?? 'unknown',
      statusRaw: text(raw.outcome),
      startedAt,
      endedAt: null,
      durationSeconds: seconds,
      caller: party(raw.from),
      callee: party(raw.to),
      mediaType: 'audio',
      endReason: null,
      endedBy: null,
      bridgeNumber: null,
      cost: null,
      raw,
    },
  };
});
