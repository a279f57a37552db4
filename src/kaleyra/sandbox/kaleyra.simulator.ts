import type { DatasetOptions } from '../../sandbox/call-volume.js';
import { generateKaleyraRecords } from './kaleyra.dataset.js';
import { type Answer, type SimCall, parseCount } from '../../sandbox/answer.js';
import { Simulator, type SimulatorOptions } from '../../sandbox/simulator.js';
import { parseInstant } from '../../domain/time.js';
import {
  KALEYRA_DEFAULT_PAGE_SIZE,
  type KaleyraCallRecord,
  KaleyraCode,
  kaleyraRetentionFloor,
} from '../kaleyra.types.js';

/**
 * How `page` and `offset` combine into the records skipped; the vendor's page fits each of these
 * readings, so the simulator can play any of them:
 * - `offset`: skip = offset, `page` is ignored;
 * - `page`: skip = (page - 1) x limit, `offset` is ignored;
 * - `offset+page`: skip = offset + (page - 1) x limit;
 * - `second-page`: skip = offset from the second page on, nothing on the first.
 */
export const KALEYRA_PAGINGS = ['offset', 'page', 'offset+page', 'second-page'] as const;
export type KaleyraPaging = (typeof KALEYRA_PAGINGS)[number];

/** How the simulator pages; changeable while it runs. */
export interface KaleyraPagingOptions {
  paging: KaleyraPaging;
  /** The largest page it serves, whatever `limit` asks; the `limit` it answers says so. */
  maxPageSize: number;
  /** Added to the `total` it reports: a count that disagrees with what paging brings. */
  totalSkew: number;
  /** Answers without `total`, `offset`, `limit` and `page`, which the vendor's sample has. */
  bare: boolean;
}

export type KaleyraSimulatorOptions = SimulatorOptions<KaleyraCallRecord> &
  Partial<KaleyraPagingOptions> & {
    sid?: string;
    apiKey?: string;
  };

const DEFAULT_PAGING: KaleyraPagingOptions = {
  paging: 'offset+page',
  maxPageSize: 1000,
  totalSkew: 0,
  bare: false,
};

/**
 * Stands in for `POST {baseURL}/v1/{SID}/voice/call-logs` (and the GET variant, same fields in the
 * query string); see docs/UPSTREAMS.md. A bad credential answers HTTP 401: the vendor page lists only
 * 400 and 500, and 401 is what a gateway should expect from an auth failure anyway.
 */
export class KaleyraSimulator extends Simulator<KaleyraCallRecord> {
  static readonly credentials = { sid: 'SANDBOXSID', apiKey: 'sandbox-api-key' } as const;

  protected readonly listField = 'data';
  private readonly sid: string;
  private readonly apiKey: string;
  private pagingOptions: KaleyraPagingOptions;

  static async start(options: KaleyraSimulatorOptions = {}): Promise<KaleyraSimulator> {
    const simulator = new KaleyraSimulator(options);
    await simulator.listen(options);
    return simulator;
  }

  private constructor(options: KaleyraSimulatorOptions) {
    super(options);
    this.sid = options.sid ?? KaleyraSimulator.credentials.sid;
    this.apiKey = options.apiKey ?? KaleyraSimulator.credentials.apiKey;
    this.pagingOptions = {
      paging: options.paging ?? DEFAULT_PAGING.paging,
      maxPageSize: options.maxPageSize ?? DEFAULT_PAGING.maxPageSize,
      totalSkew: options.totalSkew ?? DEFAULT_PAGING.totalSkew,
      bare: options.bare ?? DEFAULT_PAGING.bare,
    };
    this.route(['POST', 'GET'], '/v1/:sid/voice/call-logs', (call) => this.callLogs(call));
  }

  get paging(): Readonly<KaleyraPagingOptions> {
    return this.pagingOptions;
  }

  setPaging(options: Partial<KaleyraPagingOptions>): void {
    this.pagingOptions = { ...this.pagingOptions, ...options };
  }

  /** The records retention lets it serve now: those that started at or after the floor. */
  visibleRecords(): readonly KaleyraCallRecord[] {
    const floor = kaleyraRetentionFloor(this.now()).getTime();
    return this.records().filter((record) => (this.startOf(record) ?? -Infinity) >= floor);
  }

  private callLogs({ path, params, header, now }: SimCall): Answer {
    if (path.sid !== this.sid || header('api-key') !== this.apiKey) return this.credentialError();

    const floor = kaleyraRetentionFloor(now).getTime();
    const from = params.start_time
      ? parseInstant(params.start_time, { requireOffset: true })
      : floor;
    if (from === null || from < floor) {
      return fail(400, KaleyraCode.badStartTime, 'Incorrect start time.');
    }
    const to = params.end_time
      ? parseInstant(params.end_time, { requireOffset: true })
      : now.getTime();
    // No code is known for a bad end time; the start time's is the closest.
    if (to === null) return fail(400, KaleyraCode.badStartTime, 'Incorrect end time.');
    const statuses = tokens(params.status);
    const ids = tokens(params.call_id);
    const bridge = params.bridge ? digits(params.bridge) : undefined;

    const matches = this.records().filter((record) => {
      const start = this.startOf(record);
      return (
        start !== null &&
        start >= from &&
        start <= to &&
        (!statuses || statuses.has(String(record.status))) &&
        (!ids || ids.has(this.idOf(record))) &&
        (bridge === undefined || digits(record.bridge) === bridge)
      );
    });
    // Lenient, as the vendor documents no error for these: anything unusable is the default.
    const { paging, maxPageSize, totalSkew, bare } = this.pagingOptions;
    const limit = Math.min(parseCount(header('limit')) || KALEYRA_DEFAULT_PAGE_SIZE, maxPageSize);
    const page = parseCount(params.page) || 1;
    const offset = parseCount(params.offset) || 0;
    const skip = {
      offset,
      page: (page - 1) * limit,
      'offset+page': offset + (page - 1) * limit,
      'second-page': page > 1 ? offset : 0,
    }[paging];
    return {
      status: 200,
      body: {
        status: 200,
        code: KaleyraCode.success,
        message: 'Request successfully executed!',
        data: matches.slice(skip, skip + limit),
        error: {},
        ...(!bare && { total: matches.length + totalSkew, offset, limit, page }),
      },
    };
  }

  protected generate(options: DatasetOptions): KaleyraCallRecord[] {
    return generateKaleyraRecords(options);
  }

  protected startTextOf(record: KaleyraCallRecord): unknown {
    return record.start_time;
  }

  protected idOf(record: KaleyraCallRecord): string {
    return record.id ?? record.call_id ?? '';
  }

  protected credentialError(): Answer {
    return fail(401, KaleyraCode.badCredentials, 'Incorrect SID or API key.');
  }

  protected serverError(): Answer {
    return fail(500, 'RBC500', 'Internal server error.');
  }

  protected rateLimited(): Answer {
    return fail(429, 'RBC429', 'Too many requests.');
  }

  protected brokenRecord(index: number, now: Date): Record<string, unknown> {
    const startTime = now.toISOString();
    switch (index % 3) {
      case 0:
        return {
          call_type: 'Incoming',
          caller: '919876543210',
          start_time: startTime,
          status: 'ANSWER',
        };
      case 1:
        return { id: `odd-date-${index}`, start_time: '20/11/2026 10:16', status: 'BUSY' };
      default:
        return {
          id: `odd-types-${index}`,
          start_time: startTime,
          status: 42,
          billsec: 'abc',
          caller: { number: '919876543210' },
          credits: 'lots',
        };
    }
  }
}

function fail(status: number, code: string, message: string): Answer {
  return { status, body: { code, message, data: [], error: { error: message } } };
}

/** A comma-separated list as a set of exact tokens; undefined when empty. */
function tokens(list: string | undefined): Set<string> | undefined {
  const items = (list ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return items.length > 0 ? new Set(items) : undefined;
}

/** Numbers compare on their digits, so "+13236000007" and "13236000007" are one bridge. */
function digits(value: string | number | undefined): string {
  return String(value ?? '').replace(/\D/g, '');
}
