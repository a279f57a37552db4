import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { DecodedSlices } from '../cache/decoded-slices.js';
import type { CallLog } from '../domain/call-log.js';
import { Clock } from '../domain/clock.js';
import { Deadline } from '../domain/deadline.js';
import { InvalidParametersError } from '../http/problem.js';
import { currentContext } from '../http/request-context.js';
import type { ProviderMetaDto } from './call-log.dto.js';
import type { ResolvedQuery } from './call-log-query.js';
import { type CallLogQueryDto, MAX_LIMIT } from './call-log-query.dto.js';
import type { CallLogExportQueryDto, ExportFormat } from './call-log-export-query.dto.js';
import { noteOutcome } from './access-outcome.js';
import { CallLogsService, type PageOfRecords } from './call-logs.service.js';
import { CallLogsSettings } from './call-logs.settings.js';
import { type ExportMeta, csvHeader, csvRows, ndjsonLines, ndjsonMeta } from './export-formats.js';
import { AllProvidersFailedError } from './providers-failed.error.js';

/** An export that ended before its window did: a CSV transfer is cut off rather than ended. */
export class ExportIncompleteError extends Error {
  constructor(readonly meta: ExportMeta) {
    super(`the export did not complete: ${describeFailures(meta.providers)}`);
    this.name = 'ExportIncompleteError';
  }
}

/**
 * A whole window as one stream, in order: the pages of `/call-logs` (500 records each, with
 * read-ahead behind them), each read only when the client has taken the one before, so memory holds
 * a page whatever the window. A page on which a provider failed is not written: the export ends
 * before it, with the cursor of where it starts, so that what was written is every record up to
 * there, in order, and the cursor brings exactly the rest.
 */
@Injectable()
export class CallLogExport {
  constructor(
    private readonly service: CallLogsService,
    private readonly settings: CallLogsSettings,
    private readonly clock: Clock,
    private readonly decoded: DecodedSlices,
  ) {}

  /** Checks the query (a 400 before anything is sent) and opens the stream of its records. */
  open(dto: CallLogExportQueryDto, format: ExportFormat): Readable {
    const query = this.resolve(dto);
    const pages = this.pages(query);
    const text = format === 'csv' ? csv(pages, query.includeRaw) : ndjson(pages, query.includeRaw);
    // A string of a few records at a time: one is read ahead of the client, no more.
    return Readable.from(text, { objectMode: false, highWaterMark: 1 });
  }

  private resolve(dto: CallLogExportQueryDto): ResolvedQuery {
    const { resumeCursor, format: _format, ...filters } = dto;
    const asPage: CallLogQueryDto = { ...filters, limit: MAX_LIMIT, cursor: resumeCursor };
    try {
      return this.service.resolve(asPage, this.settings.maxExportDays);
    } catch (error) {
      if (!(error instanceof InvalidParametersError)) throw error;
      // The export's own name for the cursor it takes.
      throw new InvalidParametersError(
        error.errors.map(({ parameter, detail }) =>
          parameter === 'cursor'
            ? { parameter: 'resumeCursor', detail: detail.replace(/^cursor/, 'resumeCursor') }
            : { parameter, detail },
        ),
      );
    }
  }

  /** The window's pages, then how the export ended. */
  private async *pages(first: ResolvedQuery): AsyncGenerator<PageOfRecords['entries'], ExportMeta> {
    const totals = new Totals();
    const window = {
      since: new Date(first.since).toISOString(),
      until: new Date(first.until).toISOString(),
    };
    const context = currentContext();
    if (context !== undefined) context.wholeWindow = true;
    let query = first;
    try {
      for (;;) {
        const deadline = Deadline.after(this.settings.exportIdleTimeoutMs, this.clock);
        let made: PageOfRecords;
        try {
          made = await this.service.produce(query, { refresh: false, deadline, strict: false });
        } catch (error) {
          if (!(error instanceof AllProvidersFailedError)) throw error;
          return totals.end(window, this.service.cursorAt(query), error.providers);
        }
        const metas = made.meta.providers;
        if (metas.some((meta) => meta.status === 'error')) {
          return totals.end(window, this.service.cursorAt(query), metas);
        }
        totals.add(metas, made.entries.length);
        if (context !== undefined) context.pages = (context.pages ?? 0) + 1;
        const last = made.entries.at(-1);
        if (last !== undefined) {
          if (context !== undefined) this.decoded.passWholeWindow(context, last.at, query.order);
          yield made.entries;
        }
        if (made.page.nextCursor === null) return totals.end(window, made.page.resumeCursor);
        query = { ...query, places: made.places };
      }
    } finally {
      noteOutcome(totals.providers());
      if (context !== undefined) this.decoded.endWholeWindow(context);
    }
  }
}

async function* ndjson(
  pages: AsyncGenerator<PageOfRecords['entries'], ExportMeta>,
  includeRaw: boolean,
): AsyncGenerator<string> {
  for (;;) {
    const next = await pages.next();
    if (next.done === true) {
      yield ndjsonMeta(next.value);
      return;
    }
    for (const records of chunks(next.value)) yield ndjsonLines(records, includeRaw);
  }
}

async function* csv(
  pages: AsyncGenerator<PageOfRecords['entries'], ExportMeta>,
  includeRaw: boolean,
): AsyncGenerator<string> {
  yield csvHeader(includeRaw);
  for (;;) {
    const next = await pages.next();
    if (next.done === true) {
      if (!next.value.complete) throw new ExportIncompleteError(next.value);
      return;
    }
    for (const records of chunks(next.value)) yield csvRows(records, includeRaw);
  }
}

/**
 * Records written at a time. A page's 500 records as one string (325 KB of NDJSON, twice that where
 * a name is not Latin-1) would be allocated in V8's large-object space, which only a full
 * collection frees; 50 records stay well under its threshold of 128 KB, raw records included, and
 * die young.
 */
const RECORDS_PER_CHUNK = 50;

function* chunks(entries: PageOfRecords['entries']): Generator<CallLog[]> {
  for (let i = 0; i < entries.length; i += RECORDS_PER_CHUNK)
    yield entries.slice(i, i + RECORDS_PER_CHUNK).map((entry) => entry.record);
}

/** Each provider's part in the whole export, summed over its pages. */
class Totals {
  private readonly byProvider = new Map<string, ProviderMetaDto>();
  private records = 0;

  add(metas: readonly ProviderMetaDto[], records: number): void {
    this.records += records;
    for (const meta of metas) {
      const known = this.byProvider.get(meta.provider);
      if (known === undefined) {
        this.byProvider.set(meta.provider, { ...meta, records: meta.returned });
        continue;
      }
      known.records += meta.returned;
      known.returned += meta.returned;
      known.rejected += meta.rejected;
      known.upstreamRequests += meta.upstreamRequests;
      known.slices += meta.slices;
      known.latencyMs += meta.latencyMs;
      if (meta.status !== 'skipped') {
        known.status = meta.status === 'stale' || known.status === 'stale' ? 'stale' : meta.status;
        delete known.reason;
      }
    }
  }

  providers(): ProviderMetaDto[] {
    return [...this.byProvider.values()];
  }

  /** How the export ended: complete, or with the cursor of the rest and the failures that cut it. */
  end(
    window: ExportMeta['window'],
    resumeCursor: string | null,
    failures: readonly ProviderMetaDto[] = [],
  ): ExportMeta {
    for (const failure of failures) {
      if (failure.status !== 'error') continue;
      const known = this.byProvider.get(failure.provider);
      this.byProvider.set(failure.provider, {
        ...(known ?? failure),
        status: 'error',
        error: failure.error,
      });
    }
    return {
      providers: this.providers(),
      window,
      complete: resumeCursor === null,
      resumeCursor,
      records: this.records,
    };
  }
}

function describeFailures(providers: readonly ProviderMetaDto[]): string {
  return providers
    .filter((meta) => meta.error !== undefined)
    .map((meta) => `${meta.provider}: ${meta.error?.code}`)
    .join('; ');
}
