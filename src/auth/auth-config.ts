import { readFileSync } from 'node:fs';
import { type Environment, readVariables } from '../config/read-variables.js';
import { ChoiceVar, IntVar, TextVar, UrlVar } from '../config/variables.js';
import { type ApiKeyEntry, AUTH_MODES, type AuthMode, type AuthSettings } from './auth-settings.js';
import { SCOPES, type Scope } from './caller.js';

/** How callers authenticate, and their default limits. */
class AuthVariables {
  @ChoiceVar(AUTH_MODES, { optional: true }) AUTH_MODE?: AuthMode;
  @TextVar() API_KEYS?: string;
  @TextVar() API_KEYS_FILE?: string;
  @UrlVar() AUTH_JWKS_URL?: string;
  @TextVar() AUTH_JWT_ISSUER?: string;
  @TextVar() AUTH_JWT_AUDIENCE?: string;
  @IntVar(0, 3_600_000) AUTH_JWKS_COOLDOWN_MS = 30_000;
  @IntVar(0, 1_000_000) RATE_LIMIT_PER_MINUTE = 600;
  @IntVar(0, 10_000) MAX_CONCURRENT_PER_CALLER = 20;
}

/**
 * Reads how callers authenticate. Outside production the mode follows what is configured (keys:
 * `api-key`, a JWKS: `jwt`, nothing: `none`); production names it, so that a missing variable
 * cannot open the gateway. Messages never hold a key or a hash.
 */
export function readAuthSettings(
  env: Environment,
  production: boolean,
): { settings: AuthSettings; problems: string[]; warnings: string[] } {
  const { values, problems } = readVariables(AuthVariables, env);
  const warnings: string[] = [];
  const defaults = {
    ratePerMinute: values.RATE_LIMIT_PER_MINUTE,
    maxConcurrent: values.MAX_CONCURRENT_PER_CALLER,
  };
  const keyText = keysText(values.API_KEYS, values.API_KEYS_FILE, problems);
  const mode: AuthMode =
    values.AUTH_MODE ??
    (keyText !== undefined ? 'api-key' : values.AUTH_JWKS_URL !== undefined ? 'jwt' : 'none');
  if (production && values.AUTH_MODE === undefined) {
    problems.push(
      'AUTH_MODE is required in production: api-key (with API_KEYS or API_KEYS_FILE), jwt (with AUTH_JWKS_URL, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE), or none',
    );
  }
  if (production && values.AUTH_MODE === 'none') {
    warnings.push('AUTH_MODE=none in production: every caller can read every call log');
  }
  const keys = mode === 'api-key' ? parseKeys(keyText, defaults, problems) : [];
  if (mode === 'api-key' && keyText === undefined) {
    problems.push('AUTH_MODE=api-key needs API_KEYS or API_KEYS_FILE');
  }
  let jwt: AuthSettings['jwt'];
  if (mode === 'jwt') {
    const { AUTH_JWKS_URL: jwksUrl, AUTH_JWT_ISSUER: issuer, AUTH_JWT_AUDIENCE: audience } = values;
    for (const [name, value] of [
      ['AUTH_JWKS_URL', jwksUrl],
      ['AUTH_JWT_ISSUER', issuer],
      ['AUTH_JWT_AUDIENCE', audience],
    ] as const) {
      if (value === undefined) problems.push(`${name} is required with AUTH_MODE=jwt`);
    }
    if (jwksUrl !== undefined && issuer !== undefined && audience !== undefined) {
      jwt = { jwksUrl, issuer, audience, cooldownMs: values.AUTH_JWKS_COOLDOWN_MS };
    }
  }
  return { settings: { mode, keys, jwt, defaults }, problems, warnings };
}

function keysText(
  inline: string | undefined,
  file: string | undefined,
  problems: string[],
): string | undefined {
  if (inline !== undefined && file !== undefined) {
    problems.push('API_KEYS and API_KEYS_FILE are both set: give the keys one way');
  }
  if (file === undefined) return inline;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(
      `API_KEYS_FILE cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
    return undefined;
  }
}

/** The keys, each checked; one problem per bad entry, naming its place and field. */
function parseKeys(
  text: string | undefined,
  defaults: { ratePerMinute: number; maxConcurrent: number },
  problems: string[],
): ApiKeyEntry[] {
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push('API_KEYS is not JSON: expected an array of { name, sha256, scopes, ... }');
    return [];
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.push('API_KEYS must be a non-empty JSON array of { name, sha256, scopes, ... }');
    return [];
  }
  const keys: ApiKeyEntry[] = [];
  parsed.forEach((entry: unknown, i) => {
    const at = `API_KEYS[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${at} must be an object`);
      return;
    }
    const { name, sha256, ratePerMinute, maxConcurrent, scopes } = entry as Record<string, unknown>;
    const bad = (field: string, rule: string): void => void problems.push(`${at}.${field} ${rule}`);
    if (typeof name !== 'string' || !/^[\w.:@-]{1,64}$/.test(name)) {
      bad('name', 'must be 1 to 64 letters, digits or _ . : @ -');
    } else if (keys.some((key) => key.name === name)) bad('name', 'is given twice');
    if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
      bad('sha256', 'must be the 64 hex digits of the key’s SHA-256');
    }
    const count = (value: unknown, field: string, fallback: number): number => {
      if (value === undefined) return fallback;
      if (Number.isSafeInteger(value) && (value as number) >= 0) return value as number;
      bad(field, 'must be a whole number, 0 or more');
      return fallback;
    };
    const rate = count(ratePerMinute, 'ratePerMinute', defaults.ratePerMinute);
    const concurrent = count(maxConcurrent, 'maxConcurrent', defaults.maxConcurrent);
    const granted = scopes ?? [];
    if (!Array.isArray(granted) || !granted.every((s) => SCOPES.includes(s as Scope))) {
      bad('scopes', `must be a list of ${SCOPES.join(', ')}`);
    }
    if (typeof name === 'string' && typeof sha256 === 'string') {
      keys.push({
        name,
        sha256: sha256.toLowerCase(),
        ratePerMinute: rate,
        maxConcurrent: concurrent,
        scopes: new Set(Array.isArray(granted) ? (granted as Scope[]) : []),
      });
    }
  });
  return keys;
}
