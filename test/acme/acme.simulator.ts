import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { HOUR } from '../../src/domain/time.js';
import { ACME_PAGE_SIZE, type AcmeCall } from './acme.types.js';

/**
 * Acme's `GET /calls?from&to[&after]`, token `Token acme-token`: every call whose start lies in
 * [from, to], newest first, a page at a time; `next` is the last uuid of a full page.
 */
export class AcmeSimulator {
  static readonly credentials = { account: 'acme-account', token: 'acme-token' } as const;
  requests = 0;

  private readonly server: Server = createServer((req, res) => this.answer(req, res));

  private constructor(readonly calls: readonly AcmeCall[]) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A call every 7 to 29 minutes over the `days` before `now`, the same for the same `now`. */
  static async start(options: { now: () => Date; days?: number }): Promise<AcmeSimulator> {
    const end = options.now().getTime();
    const calls: AcmeCall[] = [];
    for (
      let at = Math.floor((end - (options.days ?? 3) * 24 * HOUR) / 1000) * 1000, i = 0;
      at < end;
      i++
    ) {
      const uuid = createHash('sha256').update(`acme:${at}`).digest('hex').slice(0, 16);
      calls.push({
        uuid,
        started: new Date(at).toISOString(),
        from: '+13235550142',
        to: '+12125550178',
        outcome: (['answered', 'missed', 'busy'] as const)[i % 3],
        seconds: (i * 37) % 600,
      });
      at += (7 + ((i * 13) % 23)) * 60_000;
    }
    const simulator = new AcmeSimulator(
      calls.sort((a, b) => Date.parse(b.started) - Date.parse(a.started)),
    );
    await new Promise<void>((resolve) => simulator.server.listen(0, '127.0.0.1', resolve));
    return simulator;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    const url = new URL(req.url ?? '/', 'http://acme');
    if (req.headers.authorization !== `Token ${AcmeSimulator.credentials.token}`) {
      res.writeHead(401).end();
      return;
    }
    const from = Date.parse(url.searchParams.get('from') ?? '');
    const to = Date.parse(url.searchParams.get('to') ?? '');
    const matching = this.calls.filter(({ started }) => {
      const at = Date.parse(started);
      return at >= from && at <= to;
    });
    const after = url.searchParams.get('after');
    const start = after === null ? 0 : matching.findIndex(({ uuid }) => uuid === after) + 1;
    const page = matching.slice(start, start + ACME_PAGE_SIZE);
    const next = page.length === ACME_PAGE_SIZE ? page[page.length - 1].uuid : null;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ calls: page, next }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
