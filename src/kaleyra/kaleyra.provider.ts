import { Injectable, Logger } from '@nestjs/common';
import type { Pushdown, SliceResult } from '../upstreams/call-log-provider.js';
import type { CallLogFilters } from '../domain/call-log-filters.js';
import type { Slice } from '../domain/slice.js';
import { PageSizeEvidence, type PageSizeTally } from '../upstreams/page-size-evidence.js';
import { SliceCollector, requestBounds } from '../upstreams/slice-collector.js';
import { UpstreamError } from '../domain/upstream-error.js';
import { UpstreamProvider } from '../upstreams/upstream-provider.js';
import { UpstreamTarget } from '../upstreams/upstream-target.js';
import { KaleyraClient, KaleyraSettings } from './kaleyra.client.js';
import { kaleyraStatusesFor, mapKaleyraRecord } from './kaleyra.mapper.js';
import { kaleyraRetentionFloor, type KaleyraForm } from './kaleyra.types.js';
import { Clock } from '../domain/clock.js';
import type { Deadline } from '../domain/deadline.js';

/**
 * How a request says which records it wants after the first page. Kaleyra's page does not say how
 * `page` and `offset` combine (skip = offset; skip = (page - 1) x limit; skip = offset + (page - 1)
 * x limit; offset from the second page on), and each way of asking is exact under some readings
 * only: by `offset` alone under the first and third, by `page` alone under the second and third,
 * by both under the first, second and fourth. The first page is the same under all of them.
 */
type Positioning = 'offset' | 'page' | 'both';
const POSITIONINGS: readonly Positioning[] = ['offset', 'page', 'both'];

function positionOf(
  positioning: Positioning,
  index: number,
  offset: number,
): Pick<KaleyraForm, 'page' | 'offset'> {
  switch (positioning) {
    case 'offset':
      return { offset };
    case 'page':
      return { page: index + 1 };
    case 'both':
      return { page: index + 1, offset };
  }
}

/** Kaleyra's time format: seconds and an explicit offset, as in `2013-03-15T00:00:00+00:00`. */
const kaleyraTime = (ms: number): string =>
  new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

@Injectable()
export class KaleyraProvider extends UpstreamProvider {
  private readonly logger = new Logger('KaleyraProvider');
  private readonly pageSizes = new PageSizeEvidence();
  /** The way of asking that has brought a slice of several pages exactly, once one has. */
  private positioning: Positioning | undefined;

  constructor(
    private readonly client: KaleyraClient,
    target: UpstreamTarget,
    private readonly settings: KaleyraSettings,
    private readonly clock: Clock,
  ) {
    super(target);
  }

  retentionFloor(now: Date): Date {
    return kaleyraRetentionFloor(now);
  }

  /** Kaleyra takes lists of call ids and statuses, and the bridge; it only carries audio. */
  pushdown(filters: CallLogFilters): Pushdown | null {
    if (filters.mediaType === 'video') return null;
    const params: Record<string, string> = {};
    if (filters.callIds !== null) params.call_id = [...filters.callIds].sort().join(',');
    if (filters.statuses !== null) {
      const tokens = kaleyraStatusesFor(filters.statuses);
      // No Kaleyra status maps to some unified ones (abandoned): then nothing can match.
      if (tokens?.length === 0) return null;
      if (tokens !== null) params.status = tokens.join(',');
    }
    if (filters.bridgeNumber !== null) params.bridge = filters.bridgeNumber.replace(/^\+/, '');
    return params;
  }

  async fetchSlice(slice: Slice, pushdown: Pushdown, deadline: Deadline): Promise<SliceResult> {
    const collector = new SliceCollector(slice, mapKaleyraRecord, this.logger);
    const now = this.clock.now();
    const floor = this.retentionFloor(new Date(now)).getTime();
    const bounds = requestBounds(slice, now);
    if (slice.to <= floor || bounds === null) return collector.result();
    const window = {
      start_time: kaleyraTime(Math.max(bounds.from, floor)),
      end_time: kaleyraTime(bounds.to),
    };
    // The first page is the same however Kaleyra reads page and offset; the way of asking for
    // the next ones that worked before goes first, and while it is unknown each is tried in turn.
    // A way that brings a page already seen, or fewer records than Kaleyra counts, is not the way:
    // the next one goes on from the second page, as the records gathered so far are real anyway.
    const known = this.positioning;
    const ways =
      known === undefined ? POSITIONINGS : [known, ...POSITIONINGS.filter((w) => w !== known)];
    const query: KaleyraForm = { ...pushdown, ...window };
    const sizes = this.pageSizes.tally();
    try {
      const first = await this.client.fetchPage(
        { ...query, ...positionOf(ways[0], 0, 0) },
        deadline,
      );
      collector.addPage(first.records);
      const size = first.limit ?? this.settings.pageSize;
      const start = { offset: Math.min(first.records.length, size), size };
      let total = first.total;
      const ended =
        first.records.length === 0 ||
        (total === undefined ? sizes.isLast(first.records.length, size) : start.offset >= total);
      // Whether every record Kaleyra counts came: as distinct calls, or as positions of one way
      // of asking whose every page was new, where Kaleyra's own data holds a call twice.
      const complete = (positions: number): boolean =>
        total === undefined || collector.distinct >= total || positions >= total;
      if (ended && complete(start.offset)) return collector.result();
      for (const positioning of ways) {
        const rest = await this.rest(positioning, query, start, collector, sizes, deadline);
        total = rest.total ?? total;
        if (rest.ended && complete(rest.positions)) {
          this.positioning = positioning;
          return collector.result();
        }
      }
      throw new UpstreamError(
        'kaleyra',
        'upstream_bad_response',
        `Kaleyra counted ${total ?? 'an unknown number of'} records from ${window.start_time} to ${window.end_time}, but no way of paging through them brought more than ${collector.distinct}; the slice is not served short`,
      );
    } finally {
      sizes.close();
    }
  }

  /**
   * The pages after the first of one way of asking, into `collector`: `ended` when they reached
   * the end (as many positions as Kaleyra counts, an empty page, or a short page that proves
   * itself), not when a page brought nothing new, with the positions they reached. Positions
   * advance by the page size Kaleyra says it applied, which may be less than the one asked.
   */
  private async rest(
    positioning: Positioning,
    query: KaleyraForm,
    start: { offset: number; size: number },
    collector: SliceCollector,
    sizes: PageSizeTally,
    deadline: Deadline,
  ): Promise<{ ended: boolean; total: number | undefined; positions: number }> {
    let { offset, size } = start;
    let total: number | undefined;
    for (let index = 1; ; index += 1) {
      const page = await this.client.fetchPage(
        { ...query, ...positionOf(positioning, index, offset) },
        deadline,
      );
      total = page.total ?? total;
      size = page.limit ?? size;
      const fresh = collector.addPage(page.records);
      if (page.records.length > 0 && fresh === 0) return { ended: false, total, positions: offset };
      offset += Math.min(page.records.length, size);
      const last = total === undefined ? sizes.isLast(page.records.length, size) : offset >= total;
      if (last || page.records.length === 0) return { ended: true, total, positions: offset };
    }
  }
}
