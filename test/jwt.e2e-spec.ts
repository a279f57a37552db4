import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import {
  HOUR,
  gatewayEnv,
  iso,
  startGateway,
  startSimulators,
  type Gateway,
  type Simulators,
} from './utils.js';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'call-log-gateway';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** An issuer's key set, served over HTTP; `keys` is what it publishes now. */
class JwksServer {
  fetches = 0;
  keys: JWK[] = [];
  private readonly server: Server = createServer((_request, response) => {
    this.fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: this.keys }));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function keyPair(kid: string): Promise<{ privateKey: Key; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/** A token signed now by the machine's clock, which is also what the gateway checks it against. */
function token(
  key: { privateKey: Key; jwk: JWK },
  claims: Record<string, unknown>,
  options: { issuer?: string; audience?: string; expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject('billing-app')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(key.privateKey);
}

describe('AUTH_MODE=jwt: Bearer tokens verified against the issuer’s JWKS', () => {
  let sims: Simulators;
  let gateway: Gateway;
  const jwks = new JwksServer();
  let first: { privateKey: Key; jwk: JWK };
  let window: Record<string, string>;

  beforeAll(async () => {
    first = await keyPair('key-1');
    jwks.keys = [first.jwk];
    const url = await jwks.start();
    sims = await startSimulators();
    const now = sims.clock.now();
    window = { since: iso(now - 3 * HOUR), until: iso(now - HOUR) };
    gateway = await startGateway(
      gatewayEnv(sims, {
        AUTH_MODE: 'jwt',
        AUTH_JWKS_URL: url,
        AUTH_JWT_ISSUER: ISSUER,
        AUTH_JWT_AUDIENCE: AUDIENCE,
        AUTH_JWKS_COOLDOWN_MS: '0',
      }),
      sims.clock,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await Promise.all([sims.close(), jwks.close()]);
  });

  const get = (bearer: string, query: Record<string, string> = {}) =>
    gateway.http
      .get('/call-logs')
      .query({ ...window, ...query })
      .set('authorization', `Bearer ${bearer}`);

  it('serves a valid token, fetching the key set once for many requests', async () => {
    const good = await token(first, { scope: 'openid' });
    for (let i = 0; i < 3; i += 1) expect((await get(good)).status).toBe(200);
    expect(jwks.fetches).toBe(1);
  });

  it('takes scopes from the scope claim', async () => {
    expect((await get(await token(first, {}), { includeRaw: 'true' })).status).toBe(403);
    const raw = await token(first, { scope: 'openid raw' });
    expect((await get(raw, { includeRaw: 'true' })).status).toBe(200);
  });

  it.each([
    ['another issuer', { issuer: 'https://elsewhere.test' }],
    ['another audience', { audience: 'someone-else' }],
    ['an expired token', { expiresIn: '-1m' }],
  ])('answers 401 to %s', async (_, options) => {
    const answer = await get(await token(first, {}, options));
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('answers 401 to a key, not a token, and to X-API-Key', async () => {
    expect((await get('not-a-token')).status).toBe(401);
    const byHeader = await gateway.http.get('/call-logs').set('x-api-key', await token(first, {}));
    expect(byHeader.status).toBe(401);
  });

  it('follows the issuer’s key rotation: a token of a new key fetches the set again', async () => {
    const second = await keyPair('key-2');
    jwks.keys = [second.jwk];
    const before = jwks.fetches;
    expect((await get(await token(second, {}))).status).toBe(200);
    expect(jwks.fetches).toBe(before + 1);
    // A token signed with a key the issuer never published is refused.
    const stranger = await keyPair('key-3');
    expect((await get(await token(stranger, {}))).status).toBe(401);
  });
});
