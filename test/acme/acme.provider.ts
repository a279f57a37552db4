import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../src/domain/clock.js';
import type { Deadline } from '../../src/domain/deadline.js';
import type { Slice } from '../../src/domain/slice.js';
import type { Pushdown, SliceResult } from '../../src/upstreams/call-log-provider.js';
import { SliceCollector, requestBounds } from '../../src/upstreams/slice-collector.js';
import { UpstreamProvider } from '../../src/upstreams/upstream-provider.js';
import { UpstreamTarget } from '../../src/upstreams/upstream-target.js';
import { AcmeClient } from './acme.client.js';
import { mapAcmeCall } from './acme.mapper.js';

/** Acme filters on nothing but time, and pages with a token. */
@Injectable()
export class AcmeProvider extends UpstreamProvider {
  private readonly logger = new Logger('AcmeProvider');

  constructor(
    private readonly client: AcmeClient,
    target: UpstreamTarget,
    private readonly clock: Clock,
  ) {
    super(target);
  }

  retentionFloor(): Date | null {
    return null;
  }

  pushdown(): Pushdown {
    return {};
  }

  async fetchSlice(slice: Slice, _pushdown: Pushdown, deadline: Deadline): Promise<SliceResult> {
    const collector = new SliceCollector(slice, mapAcmeCall, this.logger);
    const bounds = requestBounds(slice, this.clock.now());
    if (bounds === null) return collector.result();
    const window = {
      from: new Date(bounds.from).toISOString(),
      to: new Date(bounds.to).toISOString(),
    };
    let after: string | undefined;
    do {
      const page = await this.client.fetchPage({ ...window, after }, deadline);
      collector.addPage(page.calls);
      after = page.next ?? undefined;
    } while (after !== undefined);
    return collector.result();
  }
}
