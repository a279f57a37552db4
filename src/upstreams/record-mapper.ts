import type { CallLog } from '../domain/call-log.js';

/** A mapper's answer for one upstream record: a record, or why it could not be one. */
export type MapResult = { ok: true; record: CallLog } | { ok: false; reason: string };

/** `map`, made never to throw: a record that makes it throw is one that cannot be mapped. */
export function neverThrowing(map: (raw: unknown) => MapResult): (raw: unknown) => MapResult {
  return (raw) => {
    try {
      return map(raw);
    } catch {
      // JSON cannot get here; only exotic objects can (a throwing getter, a revoked Proxy).
      return { ok: false, reason: 'record is unreadable' };
    }
  };
}
