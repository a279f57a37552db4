import { isRecord } from '../domain/is-record.js';
import type { Answer } from './answer.js';

/** The faults a simulator can be told to inject, and how a request to set them is checked. */

export interface SimulatorFaults {
  /** Added before every answer. */
  latencyMs: number;
  /** Accept the request and never answer (until close()). */
  hang: boolean;
  /** 0..1 share of answers that are the provider's HTTP 500. */
  errorRate: number;
  /** 0..1 share of answers that are the provider's HTTP 429, with Retry-After. */
  rateLimitRate: number;
  retryAfterSeconds: number;
  /** Spoils answers that would succeed: cut-off JSON, an HTML page, or the list not being a list. */
  malformed: null | 'truncated' | 'not-json' | 'wrong-types';
  /** Broken records added to every successful non-empty page. */
  oddRecords: number;
  /** Every request gets the provider's credential error. */
  revokeCredentials: boolean;
  /** The faults apply to this many more requests, then reset to none; null: until changed. */
  remaining: number | null;
  /** The faults begin after this many more requests are answered as usual. */
  after: number;
}

export const NO_FAULTS: Readonly<SimulatorFaults> = Object.freeze({
  latencyMs: 0,
  hang: false,
  errorRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  malformed: null,
  oddRecords: 0,
  revokeCredentials: false,
  remaining: null,
  after: 0,
});

export function hasFault(f: SimulatorFaults): boolean {
  return (
    f.latencyMs > 0 ||
    f.hang ||
    f.errorRate > 0 ||
    f.rateLimitRate > 0 ||
    f.malformed !== null ||
    f.oddRecords > 0 ||
    f.revokeCredentials
  );
}

const isBoolean = (v: unknown): boolean => typeof v === 'boolean';
const isAmount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isShare = (v: unknown): boolean => isAmount(v) && (v as number) <= 1;
const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

const FAULT_CHECKS: Record<keyof SimulatorFaults, (value: unknown) => boolean> = {
  latencyMs: isAmount,
  hang: isBoolean,
  errorRate: isShare,
  rateLimitRate: isShare,
  retryAfterSeconds: isAmount,
  malformed: (v) => v === null || v === 'truncated' || v === 'not-json' || v === 'wrong-types',
  oddRecords: isCount,
  revokeCredentials: isBoolean,
  remaining: (v) => v === null || isCount(v),
  after: isCount,
};

export function assertFaults(input: unknown): asserts input is Partial<SimulatorFaults> {
  if (!isRecord(input)) throw new TypeError('faults must be a JSON object');
  const checks: Record<string, ((value: unknown) => boolean) | undefined> = FAULT_CHECKS;
  for (const [key, value] of Object.entries(input)) {
    const check = checks[key];
    if (!check) throw new TypeError(`unknown fault "${key}"`);
    if (!check(value)) throw new TypeError(`bad value for ${key}: ${JSON.stringify(value)}`);
  }
}

const HTML_PAGE =
  '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>';

/**
 * Spoils an answer that would succeed as the faults say: broken records added to its list (made
 * by `broken`), or a body cut off, not JSON, or with the list not being a list.
 */
export function spoil(
  answer: Answer,
  faults: SimulatorFaults,
  listField: string,
  broken: (index: number) => Record<string, unknown>,
): Answer {
  if (typeof answer.body === 'string') return answer;
  let body = answer.body;
  const list = body[listField];
  if (faults.oddRecords > 0 && Array.isArray(list) && list.length > 0) {
    const odd = Array.from({ length: faults.oddRecords }, (_, i) => broken(i));
    body = { ...body, [listField]: [...(list as unknown[]), ...odd] };
  }
  switch (faults.malformed) {
    case null:
      return { ...answer, body };
    case 'truncated': {
      const json = JSON.stringify(body);
      return {
        ...answer,
        body: json.slice(0, Math.floor(json.length / 2)),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      };
    }
    case 'not-json':
      return {
        ...answer,
        body: HTML_PAGE,
        headers: { 'content-type': 'text/html; charset=utf-8' },
      };
    case 'wrong-types':
      return { ...answer, body: { ...body, [listField]: 'unexpected' } };
  }
}
