import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from './auth-settings.js';
import { Authenticator } from './authenticator.js';
import type { Caller } from './caller.js';

/**
 * API keys, held only as their SHA-256: a key is hashed and compared with every configured hash
 * in constant time, so neither the time taken nor the process memory tells a key.
 */
export class ApiKeyAuthenticator extends Authenticator {
  readonly acceptsApiKeyHeader = true;
  private readonly hashes: Array<{ digest: Buffer; key: ApiKeyEntry }>;

  constructor(keys: readonly ApiKeyEntry[]) {
    super();
    this.hashes = keys.map((key) => ({ digest: Buffer.from(key.sha256, 'hex'), key }));
  }

  authenticate(credential: string): Promise<Caller | null> {
    const digest = createHash('sha256').update(credential, 'utf8').digest();
    let found: ApiKeyEntry | null = null;
    // Every hash is compared, whichever matches: the loop takes the same time for any key.
    for (const { digest: known, key } of this.hashes) {
      if (timingSafeEqual(digest, known) && found === null) found = key;
    }
    if (found === null) return Promise.resolve(null);
    const { name, scopes, ratePerMinute, maxConcurrent } = found;
    return Promise.resolve({ name, scopes, ratePerMinute, maxConcurrent });
  }
}
