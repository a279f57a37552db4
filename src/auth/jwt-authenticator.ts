import { type JWTPayload, createRemoteJWKSet, jwtVerify } from 'jose';
import { Authenticator } from './authenticator.js';
import { type Caller, SCOPES, type Scope } from './caller.js';

export interface JwtSettings {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** How soon after a fetch the key set may be fetched again for a key it did not hold. */
  cooldownMs: number;
}

/**
 * Bearer JWTs, verified against the issuer's JWKS: signature, issuer, audience, expiry. The key
 * set is fetched once and kept; a token signed with a key it does not hold (the issuer rotated its
 * keys) fetches it again, at most once per cooldown.
 */
export class JwtAuthenticator extends Authenticator {
  readonly acceptsApiKeyHeader = false;
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly settings: JwtSettings,
    private readonly limits: { ratePerMinute: number; maxConcurrent: number },
  ) {
    super();
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl), {
      cooldownDuration: settings.cooldownMs,
      timeoutDuration: 5_000,
    });
  }

  async authenticate(credential: string): Promise<Caller | null> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(credential, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
      }));
    } catch {
      return null;
    }
    const name = [payload.sub, payload.client_id, payload.azp].find(
      (claim): claim is string => typeof claim === 'string' && claim !== '',
    );
    if (name === undefined) return null;
    return { name, scopes: scopesOf(payload), ...this.limits };
  }
}

/** The `scope` claim (space-separated, RFC 8693) or `scp` (a list), keeping the gateway's own. */
function scopesOf(payload: JWTPayload): ReadonlySet<Scope> {
  const claim = payload.scope ?? payload.scp;
  const granted =
    typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim.map(String) : [];
  return new Set(granted.filter((scope): scope is Scope => SCOPES.includes(scope as Scope)));
}
