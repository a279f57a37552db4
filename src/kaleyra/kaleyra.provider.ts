import { Injectable, Logger } from '@nestjs/common';
import {
  CallLogProvider,
  type CallLogFilters,
  type Pushdown,
  type Slice,
  type SliceResult,
} from '../providers/call-log-provider.js';
import { SliceCollector, requestBounds } from '../providers/slice-collector.js';
import { UpstreamError } from '../providers/upstream-error.js';
import { KaleyraClient, KaleyraTarget } from './kaleyra.client.js';
import { kaleyraStatusesFor, mapKaleyraRecord } from './kaleyra.mapper.js';
import { kaleyraRetentionFloor } from './kaleyra.types.js';
import { Clock } from '../common/clock.js';
import type { Deadline } from '../common/deadline.js';

/** Kaleyra's time format: seconds and an explicit offset, as in `2013-03-15T00:00:00+00:00`. */
const kaleyraTime = (ms: number): string =>
  new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

@Injectable()
export class KaleyraProvider extends CallLogProvider {
  readonly name = 'kaleyra' as const;
  private readonly logger = new Logger('KaleyraProvider');

  constructor(
    private readonly client: KaleyraClient,
    private readonly target: KaleyraTarget,
    private readonly clock: Clock,
  ) {
    super();
  }

  get mode(): CallLogProvider['mode'] {
    return this.target.mode;
  }

  get account(): string {
    return this.target.account;
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
    // Offsets advance by the page size Kaleyra says it applied, not by what arrived: a page may
    // carry fewer records than asked (a lower cap) or records that are not calls.
    let offset = 0;
    for (let page = 1; ; page += 1) {
      const { records, total, limit } = await this.client.fetchPage(
        { ...pushdown, ...window, page, offset },
        deadline,
      );
      offset += limit ?? records.length;
      const fresh = collector.addPage(records);
      if (records.length === 0 || (total !== undefined && offset >= total)) break;
      if (fresh === 0) {
        throw new UpstreamError(
          'kaleyra',
          'upstream_bad_response',
          'Kaleyra paging does not advance',
        );
      }
    }
    return collector.result();
  }
}
