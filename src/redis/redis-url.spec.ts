import { describe, expect, it } from '@jest/globals';
import { RedisUrlError, parseRedisUrl, redactRedisUrl } from './redis-url.js';

describe('parseRedisUrl', () => {
  it('reads a single node, with the default port and database', () => {
    expect(parseRedisUrl('redis://cache.internal')).toEqual({
      nodes: [{ host: 'cache.internal', port: 6379 }],
      cluster: false,
      tls: false,
      db: 0,
      redacted: 'redis://cache.internal',
    });
  });

  it('reads TLS, a port, a database index and percent-encoded credentials', () => {
    expect(parseRedisUrl('rediss://gateway:p%40ss%3Aw0rd@10.0.0.5:6380/3')).toEqual({
      nodes: [{ host: '10.0.0.5', port: 6380 }],
      cluster: false,
      tls: true,
      username: 'gateway',
      password: 'p@ss:w0rd',
      db: 3,
      redacted: 'rediss://gateway:***@10.0.0.5:6380/3',
    });
  });

  it('reads a password without a user name, and an IPv6 host', () => {
    const target = parseRedisUrl('redis://:secret@[::1]:7000');
    expect(target).toMatchObject({ nodes: [{ host: '::1', port: 7000 }], password: 'secret' });
    expect(target.username).toBeUndefined();
    expect(target.redacted).toBe('redis://:***@[::1]:7000');
  });

  it('reads a comma-separated list as the seed nodes of a Cluster', () => {
    expect(parseRedisUrl('redis://:pw@h1:7000, redis://:pw@h2:7001')).toEqual({
      nodes: [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 7001 },
      ],
      cluster: true,
      tls: false,
      password: 'pw',
      db: 0,
      redacted: 'redis://:***@h1:7000, redis://:***@h2:7001',
    });
  });

  it.each([
    ['', /not a URL/],
    ['localhost:6379', /scheme/],
    ['http://h:6379', /scheme/],
    ['redis://', /no host/],
    ['redis://h:99999', /not a URL/],
    ['redis://h/zero', /database index/],
    ['redis://h/0/1', /database index/],
    ['redis://h?tls=true', /query/],
    ['redis://h1:7000,', /node 2.*not a URL/],
    ['redis://h1:7000,rediss://h2:7001', /mixes/],
    ['redis://:a@h1:7000,redis://:b@h2:7001', /credentials/],
    ['redis://h1:7000/1,redis://h2:7001/1', /database 0/],
  ])('rejects %j', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(RedisUrlError);
    expect(() => parseRedisUrl(url)).toThrow(message);
  });

  it('never quotes the password in an error, even a malformed one', () => {
    const messageOf = (url: string): string => {
      try {
        parseRedisUrl(url);
        return 'accepted';
      } catch (error) {
        return error instanceof RedisUrlError ? error.message : 'another error';
      }
    };
    for (const url of [
      'redis://:hunter2@h/notadb',
      'ftp://user:hunter2@h',
      'redis://:hun,ter2@h1:7000,redis://h2:7001',
      'redis://:hunter2@h1:7000,redis://:other@h2:7001',
    ]) {
      expect(messageOf(url)).toContain('***');
      expect(messageOf(url)).not.toMatch(/hunter|hun,ter|other/);
    }
  });
});

describe('redactRedisUrl', () => {
  it('masks passwords that hold an unencoded @ or comma', () => {
    expect(redactRedisUrl('redis://u:p@ss,w@h:1')).toBe('redis://u:***@h:1');
  });

  it('leaves a URL without a password alone', () => {
    expect(redactRedisUrl('redis://user@h:1/2')).toBe('redis://user@h:1/2');
  });
});
