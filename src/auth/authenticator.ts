import type { Caller } from './caller.js';

/** Tells who a credential names. One implementation per `AUTH_MODE` that has credentials. */
export abstract class Authenticator {
  /** Whether the credential may come as `X-API-Key` too, or only as a Bearer token. */
  abstract readonly acceptsApiKeyHeader: boolean;

  /** The caller the credential names, or null when it names none (unknown key, bad token). */
  abstract authenticate(credential: string): Promise<Caller | null>;
}
