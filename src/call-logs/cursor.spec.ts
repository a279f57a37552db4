import { describe, expect, it } from '@jest/globals';
import { CursorCodec, fingerprint, type CursorState } from './cursor.js';

const state: CursorState = {
  sort: 'desc',
  since: Date.parse('2026-11-21T00:00:00Z'),
  until: Date.parse('2026-11-22T00:00:00Z'),
  at: Date.parse('2026-11-21T13:14:15.123Z'),
  id: 'kaleyra:75c1a2b3-1',
  filters: fingerprint({ statuses: ['busy'] }),
};

describe('CursorCodec', () => {
  const codec = new CursorCodec('a-secret-of-enough-length');

  it('round-trips its state through an opaque, URL-safe token', () => {
    const token = codec.encode(state);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(token)).toEqual(state);
  });

  it('refuses a token whose payload was changed, even into another valid state', () => {
    const token = codec.encode(state);
    const forged = Buffer.from(
      JSON.stringify([
        1,
        'desc',
        state.since,
        state.until,
        state.at - 1000,
        state.id,
        state.filters,
      ]),
    ).toString('base64url');
    expect(codec.decode(`${forged}.${token.split('.')[1]}`)).toBeNull();
  });

  it('refuses a token signed with another key (another deployment)', () => {
    expect(new CursorCodec('another-secret-of-length').decode(codec.encode(state))).toBeNull();
  });

  it.each(['', 'abc', 'a.b.c', '.', 'eyJ9.xx', `${Buffer.from('{}').toString('base64url')}.sig`])(
    'refuses garbage %j',
    (token) => {
      expect(codec.decode(token)).toBeNull();
    },
  );

  it('refuses a correctly signed payload of the wrong shape', () => {
    const payload = Buffer.from(JSON.stringify([1, 'sideways', 0, 0, 0, 'x', 'f'])).toString(
      'base64url',
    );
    const signature = codec.encode(state).split('.')[1];
    expect(codec.decode(`${payload}.${signature}`)).toBeNull();
  });
});

describe('fingerprint', () => {
  it('is stable for equal filters and differs for different ones', () => {
    expect(fingerprint({ a: ['x'] })).toBe(fingerprint({ a: ['x'] }));
    expect(fingerprint({ a: ['x'] })).not.toBe(fingerprint({ a: ['y'] }));
  });
});
