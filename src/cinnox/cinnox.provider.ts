import { Injectable, Logger } from '@nestjs/common';
import type { Pushdown, SliceResult } from '../upstreams/call-log-provider.js';
import type { CallLogFilters } from '../domain/call-log-filters.js';
import type { Slice } from '../domain/slice.js';
import { PageSizeEvidence } from '../upstreams/page-size-evidence.js';
import { SliceCollector, requestBounds } from '../upstreams/slice-collector.js';
import { Clock } from '../domain/clock.js';
import type { Deadline } from '../domain/deadline.js';
import { UpstreamError } from '../domain/upstream-error.js';
import { UpstreamProvider } from '../upstreams/upstream-provider.js';
import { UpstreamTarget } from '../upstreams/upstream-target.js';
import { CinnoxClient } from './cinnox.client.js';
import { cinnoxStatusFor, mapCinnoxRecord } from './cinnox.mapper.js';
import { CINNOX_MAX_LIMIT } from './cinnox.types.js';

@Injectable()
export class CinnoxProvider extends UpstreamProvider {
  private readonly logger = new Logger('CinnoxProvider');
  private readonly pageSizes = new PageSizeEvidence();

  constructor(
    private readonly client: CinnoxClient,
    target: UpstreamTarget,
    private readonly clock: Clock,
  ) {
    super(target);
  }

  retentionFloor(): Date | null {
    return null;
  }

  /** CINNOX filters on one call id and one status; lists are filtered in the gateway. */
  pushdown(filters: CallLogFilters): Pushdown {
    const params: Record<string, string> = {};
    if (filters.callIds?.length === 1) params.callID = filters.callIds[0];
    if (filters.statuses?.length === 1) {
      const status = cinnoxStatusFor(filters.statuses[0]);
      if (status !== null) params.status = status;
    }
    return params;
  }

  async fetchSlice(slice: Slice, pushdown: Pushdown, deadline: Deadline): Promise<SliceResult> {
    const collector = new SliceCollector(slice, mapCinnoxRecord, this.logger);
    const bounds = requestBounds(slice, this.clock.now());
    if (bounds === null) return collector.result();
    const window = {
      startAt: new Date(bounds.from).toISOString(),
      endAt: new Date(bounds.to).toISOString(),
    };
    // A page shorter than asked ends the slice only when CINNOX has served longer pages before:
    // else it may be a cap of its own, and the next page tells. Offsets move by what a page held.
    const pages = this.pageSizes.tally();
    try {
      for (let offset = 0; ;) {
        const page = await this.client.fetchPage(
          { ...pushdown, ...window, offset, limit: CINNOX_MAX_LIMIT },
          deadline,
        );
        const fresh = collector.addPage(page);
        if (pages.isLast(page.length, CINNOX_MAX_LIMIT)) break;
        if (offset > 0 && fresh === 0) {
          throw new UpstreamError(
            'cinnox',
            'upstream_bad_response',
            'CINNOX paging does not advance',
          );
        }
        offset += Math.min(page.length, CINNOX_MAX_LIMIT);
      }
    } finally {
      pages.close();
    }
    return collector.result();
  }
}
