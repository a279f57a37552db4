import type { DatasetOptions } from '../../sandbox/call-volume.js';
import { generateCinnoxRecords } from './cinnox.dataset.js';
import { type Answer, type SimCall, parseCount } from '../../sandbox/answer.js';
import { Simulator, type SimulatorOptions } from '../../sandbox/simulator.js';
import { CINNOX_MAX_LIMIT, type CinnoxCallRecord, CinnoxCode } from '../cinnox.types.js';
import { DAY, parseInstant } from '../../domain/time.js';

export type CinnoxSimulatorOptions = SimulatorOptions<CinnoxCallRecord> & {
  appId?: string;
  appToken?: string;
  /**
   * The most records it puts in a page, whatever `limit` asks (up to the documented 500): a cap
   * CINNOX does not document, and would not say it applied.
   */
  maxPageSize?: number;
};

const DEFAULT_LIMIT = 100;
/** CINNOX has a maximum but does not publish it; 31 days is this simulator's pick. */
const MAX_QUERY_DAYS = 31;

interface Query {
  callID?: string;
  status?: string;
  window?: { from: number; to: number };
  offset: number;
  limit: number;
}

/** Stands in for `GET {baseURL}/v1/api/apps/{appID}/data/call-log` (see docs/UPSTREAMS.md). */
export class CinnoxSimulator extends Simulator<CinnoxCallRecord> {
  static readonly credentials = { appId: 'sandbox-app', appToken: 'sandbox-token' } as const;

  protected readonly listField = 'result';
  private readonly appId: string;
  private readonly appToken: string;
  private pageCap: number;

  static async start(options: CinnoxSimulatorOptions = {}): Promise<CinnoxSimulator> {
    const simulator = new CinnoxSimulator(options);
    await simulator.listen(options);
    return simulator;
  }

  private constructor(options: CinnoxSimulatorOptions) {
    super(options);
    this.appId = options.appId ?? CinnoxSimulator.credentials.appId;
    this.appToken = options.appToken ?? CinnoxSimulator.credentials.appToken;
    this.pageCap = options.maxPageSize ?? CINNOX_MAX_LIMIT;
    this.route(['GET'], '/v1/api/apps/:appId/data/call-log', (call) => this.callLog(call));
  }

  /** Caps every page from now on (see CinnoxSimulatorOptions.maxPageSize). */
  setMaxPageSize(size: number): void {
    this.pageCap = size;
  }

  private callLog({ path, params, header }: SimCall): Answer {
    if (path.appId !== this.appId) return fail(CinnoxCode.invalidAppId, 'invalid appID');
    const token = /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1];
    if (token !== this.appToken) return this.credentialError();
    const query = parseQuery(params);
    if (typeof query === 'string') return fail(CinnoxCode.badQuery, query);

    const page = this.records()
      .filter((record) => matches(record, query, this.startOf(record)))
      .slice(query.offset, query.offset + Math.min(query.limit, this.pageCap));
    return page.length > 0
      ? { status: 200, body: { code: CinnoxCode.ok, result: page } }
      : { status: 200, body: { code: CinnoxCode.noRecords, message: 'no records found' } };
  }

  protected generate(options: DatasetOptions): CinnoxCallRecord[] {
    return generateCinnoxRecords(options);
  }

  protected startTextOf(record: CinnoxCallRecord): unknown {
    return record.callDate;
  }

  protected idOf(record: CinnoxCallRecord): string {
    return record.callID ?? '';
  }

  protected credentialError(): Answer {
    return fail(CinnoxCode.invalidToken, 'invalid token');
  }

  protected serverError(): Answer {
    return fail(CinnoxCode.badResponse, 'bad response from the service', 500);
  }

  protected rateLimited(): Answer {
    return fail(CinnoxCode.tooManyRequests, 'too many requests', 429);
  }

  protected brokenRecord(index: number, now: Date): Record<string, unknown> {
    const callDate = now.toISOString();
    switch (index % 3) {
      case 0:
        return { status: 'Call Ended', callDate, callDuration: 12, type: 'call' };
      case 1:
        return { callID: `odd-date-${index}`, status: 'Busy', callDate: 'yesterday at noon' };
      default:
        return {
          callID: `odd-types-${index}`,
          status: 'Call Ended',
          callDate,
          callDuration: 'abc',
          callerInfo: { isStaff: 'yes', phoneNumber: { digits: '85298765432' } },
          calleeInfo: 'nobody',
        };
    }
  }
}

function fail(code: number, message: string, status = 400): Answer {
  return { status, body: { code, message } };
}

/** The query, or the message of the 6451000 it earns. */
function parseQuery(params: Record<string, string>): Query | string {
  // The vendor page: an empty value means "all", so it is the same as leaving the field out.
  const p = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== ''));
  const offset = parseCount(p.offset) ?? 0;
  const limit = parseCount(p.limit) ?? DEFAULT_LIMIT;
  if (Number.isNaN(offset)) return 'invalid offset';
  if (Number.isNaN(limit) || limit > CINNOX_MAX_LIMIT) return 'exceed maximum limit';
  const query: Query = { callID: p.callID, status: p.status, offset, limit };
  if (p.startAt === undefined && p.endAt === undefined) return query;

  if (p.startAt === undefined || p.endAt === undefined) return 'startAt and endAt go together';
  const from = parseInstant(p.startAt, { requireOffset: true });
  const to = parseInstant(p.endAt, { requireOffset: true });
  if (from === null) return 'invalid startAt';
  if (to === null) return 'invalid endAt';
  if (to < from) return 'endAt is before startAt';
  if (to - from > MAX_QUERY_DAYS * DAY) return 'Exceed maximum query day';
  return { ...query, window: { from, to } };
}

function matches(
  record: CinnoxCallRecord,
  { callID, status, window }: Query,
  at: number | null,
): boolean {
  if (callID !== undefined && record.callID !== callID) return false;
  if (status !== undefined && record.status !== status) return false;
  if (!window) return true;
  // Both bounds included; instants compared, as the records' offsets differ.
  return at !== null && at >= window.from && at <= window.to;
}
