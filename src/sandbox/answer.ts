/** What a simulator's handler gets to see of a request, and what it answers. */

/** One answer: a JSON body (or, for the malformed faults, raw text), a status and headers. */
export interface Answer {
  status: number;
  body: Record<string, unknown> | string;
  headers?: Record<string, string>;
}

/** What a provider's handler gets to see of a request. */
export interface SimCall {
  /** Path parameters, such as the app ID or the SID. */
  path: Record<string, string>;
  /** Query string and form body fields, one value each. */
  params: Record<string, string>;
  header: (name: string) => string | undefined;
  now: Date;
}

/** A non-negative integer, undefined when absent, NaN when not a number. */
export function parseCount(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  return /^\d+$/.test(text.trim()) ? Number(text) : NaN;
}
