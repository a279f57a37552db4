import type { Scope } from './caller.js';
import type { JwtSettings } from './jwt-authenticator.js';

export const AUTH_MODES = ['api-key', 'jwt', 'none'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** One configured API key: its name, the SHA-256 of the key (never the key), its limits. */
export interface ApiKeyEntry {
  name: string;
  /** Lowercase hex. */
  sha256: string;
  ratePerMinute: number;
  maxConcurrent: number;
  scopes: ReadonlySet<Scope>;
}

/** How callers are told apart, and what each may spend. */
export abstract class AuthSettings {
  abstract readonly mode: AuthMode;
  /** With `api-key`. */
  abstract readonly keys: readonly ApiKeyEntry[];
  /** With `jwt`. */
  abstract readonly jwt: JwtSettings | undefined;
  /** A caller's limits where its key (or token) says none. */
  abstract readonly defaults: { ratePerMinute: number; maxConcurrent: number };
}
