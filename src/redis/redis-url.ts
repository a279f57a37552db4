/** Where the Redis cache lives, as parsed from REDIS_URL. */
export interface RedisTarget {
  /** One node, or the seed nodes of a Redis Cluster. */
  nodes: { host: string; port: number }[];
  cluster: boolean;
  tls: boolean;
  username?: string;
  password?: string;
  db: number;
  /** The URL with the password replaced by `***`: the only form that may be logged. */
  redacted: string;
}

export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
}

const DEFAULT_PORT = 6379;

/** Masks the password of every `scheme://user:password@` in `text`, even in a malformed URL. */
export function redactRedisUrl(text: string): string {
  // Up to the last `@` before the path, so that an unencoded `@` or `,` in a password stays hidden.
  return text.replace(/\/\/([^/]*)@/g, (_match, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `//${userinfo}@` : `//${userinfo.slice(0, colon)}:***@`;
  });
}

/**
 * Parses `redis://[user:pass@]host[:port][/db]`, `rediss://…` (TLS) or a comma-separated list of
 * such URLs naming the seed nodes of a Redis Cluster. Errors never quote the password.
 */
export function parseRedisUrl(text: string): RedisTarget {
  const redacted = redactRedisUrl(text.trim());
  const texts = text.split(',').map((part) => part.trim());
  const cluster = texts.length > 1;
  // Errors quote the whole redacted text: a part alone may hold a piece of a password.
  const parts = texts.map((part, i) =>
    parseNode(part, cluster ? `${redacted} (node ${i + 1})` : redacted),
  );
  const [first] = parts;
  for (const part of parts) {
    // One connection setting applies to every node, so the URLs must agree on it.
    if (part.tls !== first.tls)
      throw new RedisUrlError(`${redacted}: mixes redis:// and rediss://`);
    if (part.username !== first.username || part.password !== first.password) {
      throw new RedisUrlError(`${redacted}: the cluster nodes have different credentials`);
    }
  }
  if (cluster && parts.some((part) => part.db !== 0)) {
    throw new RedisUrlError(`${redacted}: Redis Cluster has only database 0`);
  }
  return {
    nodes: parts.map(({ host, port }) => ({ host, port })),
    cluster,
    tls: first.tls,
    ...(first.username !== undefined && { username: first.username }),
    ...(first.password !== undefined && { password: first.password }),
    db: first.db,
    redacted,
  };
}

interface NodeUrl {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  db: number;
}

function parseNode(text: string, where: string): NodeUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUrlError(`${where}: not a URL`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RedisUrlError(`${where}: the scheme must be redis:// or rediss://`);
  }
  // Brackets are URL syntax for IPv6, not part of the address a socket connects to.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new RedisUrlError(`${where}: no host`);
  const port = url.port === '' ? DEFAULT_PORT : Number(url.port);
  if (port === 0) throw new RedisUrlError(`${where}: port 0`);
  const path = url.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(path)) throw new RedisUrlError(`${where}: the path must be a database index`);
  if (url.search !== '' || url.hash !== '') {
    throw new RedisUrlError(`${where}: query strings and fragments are not supported`);
  }
  return {
    host,
    port,
    tls: url.protocol === 'rediss:',
    ...(url.username !== '' && { username: decodeURIComponent(url.username) }),
    ...(url.password !== '' && { password: decodeURIComponent(url.password) }),
    db: path === '' ? 0 : Number(path),
  };
}
