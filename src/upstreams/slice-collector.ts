import type { Logger } from '@nestjs/common';
import type { CallLog } from '../domain/call-log.js';
import { type MapResult } from './record-mapper.js';
import type { Slice } from '../domain/slice.js';
import type { SliceResult } from './call-log-provider.js';

/** Requests are widened by this much on each side: neither upstream says whether its bounds are inclusive. */
export const BOUND_MARGIN_MS = 1000;

/** No call starts in the future; a minute covers clocks that disagree. */
const FUTURE_MARGIN_MS = 60_000;

/**
 * What to ask an upstream for to get every call of the slice: its bounds widened by the margin,
 * the end kept near now (an upstream may refuse a time in the future), or null when the slice
 * lies wholly in the future and there is nothing to ask.
 */
export function requestBounds(slice: Slice, now: number): { from: number; to: number } | null {
  const latest = now + FUTURE_MARGIN_MS;
  if (slice.from > latest) return null;
  return { from: slice.from - BOUND_MARGIN_MS, to: Math.min(slice.to + BOUND_MARGIN_MS, latest) };
}

/**
 * Gathers the upstream pages of one slice: normalizes each record, keeps those whose start lies in
 * the half-open slice (the neighbouring slice owns the rest), and keeps one record per call id,
 * because neither upstream promises an order that would make offset paging free of repeats.
 */
export class SliceCollector {
  private readonly records = new Map<string, CallLog>();
  private readonly seen = new Set<string>();
  private rejected = 0;
  private requests = 0;

  constructor(
    private readonly slice: Slice,
    private readonly map: (raw: unknown) => MapResult,
    private readonly logger: Logger,
  ) {}

  /**
   * Adds one upstream page; returns how many records it had that earlier pages did not: calls by
   * id, and records that could not be normalized by their text, so that a page of them alone is
   * not taken for paging that does not advance.
   */
  addPage(raw: readonly unknown[]): number {
    this.requests += 1;
    let fresh = 0;
    for (const item of raw) {
      const mapped = this.map(item);
      if (!mapped.ok) {
        const text = `rejected:${JSON.stringify(item)}`;
        if (!this.seen.has(text)) fresh += 1;
        this.seen.add(text);
        this.rejected += 1;
        this.logger.warn(
          `Skipped an upstream record that could not be normalized: ${mapped.reason}`,
        );
        continue;
      }
      if (!this.seen.has(mapped.record.id)) fresh += 1;
      this.seen.add(mapped.record.id);
      const startedAt = Date.parse(mapped.record.startedAt);
      if (startedAt >= this.slice.from && startedAt < this.slice.to) {
        this.records.set(mapped.record.id, mapped.record);
      }
    }
    return fresh;
  }

  /** Distinct upstream records seen so far: calls by id, records that could not be read by text. */
  get distinct(): number {
    return this.seen.size;
  }

  result(): SliceResult {
    return {
      records: [...this.records.values()],
      upstreamRequests: this.requests,
      rejected: this.rejected,
    };
  }
}
