import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PROVIDERS } from '../src/app/providers.js';
import type { CallLog } from '../src/domain/call-log.js';
import { acme } from './acme/acme.descriptor.js';
import { mapAcmeCall } from './acme/acme.mapper.js';
import { AcmeSimulator } from './acme/acme.simulator.js';
import {
  DAY,
  HOUR,
  gatewayEnv,
  ids,
  iso,
  oracle,
  startGateway,
  startSimulators,
  walk,
  type Gateway,
  type PageBody,
  type Simulators,
} from './utils.js';

/**
 * A third provider, defined wholly under test/acme/ (descriptor, config, module, client, provider,
 * mapper, simulator), joins the gateway through its list of providers and nothing else.
 */
describe('a third provider, added to the list', () => {
  let sims: Simulators;
  let acmeSim: AcmeSimulator;
  let gateway: Gateway;
  let window: { since: number; until: number };
  let everything: CallLog[];

  beforeAll(async () => {
    sims = await startSimulators({ seed: 11 });
    const now = sims.clock.now();
    acmeSim = await AcmeSimulator.start({ now: () => new Date(sims.clock.now()), days: 3 });
    gateway = await startGateway(
      gatewayEnv(sims, {
        ACME_BASE_URL: acmeSim.baseUrl,
        ACME_ACCOUNT: AcmeSimulator.credentials.account,
        ACME_TOKEN: AcmeSimulator.credentials.token,
      }),
      sims.clock,
      [...PROVIDERS, acme],
    );
    window = { since: now - 2 * DAY - 5 * HOUR, until: now };
    const acmeCalls = acmeSim.calls
      .map(mapAcmeCall)
      .flatMap((result) => (result.ok ? [result.record] : []));
    const inWindow = (record: CallLog): boolean => {
      const at = Date.parse(record.startedAt);
      return at >= window.since && at < window.until;
    };
    everything = [...oracle(sims, window), ...acmeCalls.filter(inWindow)].sort(
      (a, b) =>
        Date.parse(b.startedAt) - Date.parse(a.startedAt) ||
        (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    );
  });

  afterAll(async () => {
    await gateway.close();
    await Promise.all([sims.close(), acmeSim.close()]);
  });

  const query = (extra: Record<string, string> = {}): Record<string, string> => ({
    since: iso(window.since),
    until: iso(window.until),
    ...extra,
  });

  it('walks a window over three providers: every record exactly once, in order', async () => {
    const { records, pages } = await walk(gateway.http, query({ limit: '37' }));
    expect(new Set(records.map((record) => record.provider))).toEqual(
      new Set(['cinnox', 'kaleyra', 'acme']),
    );
    expect(everything.filter((record) => record.provider === 'acme').length).toBeGreaterThan(100);
    expect(pages).toBe(Math.ceil(everything.length / 37));
    expect(ids(records)).toEqual(ids(everything));
  });

  it('reports the third provider in meta, and takes it as a value of provider', async () => {
    const response = await gateway.http.get('/call-logs').query(query({ provider: 'acme' }));
    expect(response.status).toBe(200);
    const body = response.body as PageBody;
    expect(body.meta.providers.map((meta) => [meta.provider, meta.status, meta.reason])).toEqual([
      ['cinnox', 'skipped', 'not_requested'],
      ['kaleyra', 'skipped', 'not_requested'],
      ['acme', 'ok', undefined],
    ]);
    expect(ids(body.data)).toEqual(
      ids(everything.filter((record) => record.provider === 'acme').slice(0, 50)),
    );
    const unknown = await gateway.http.get('/call-logs').query({ provider: 'acme,twilio' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      errors: [{ parameter: 'provider', detail: expect.stringMatching(/"twilio".*acme/) }],
    });
  });

  it('lists the third provider in the OpenAPI document it serves', async () => {
    const response = await gateway.http.get('/docs-json');
    const document = JSON.stringify(response.body);
    expect(document).toContain('any of: `cinnox`, `kaleyra`, `acme`.');
    expect(document).toContain('"enum":["cinnox","kaleyra","acme"]');
  });
});
