import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { CursorCodec, fingerprint, type CursorState } from './cursor.js';

const SECRET = 'a-secret-of-enough-length';

const state: CursorState = {
  sort: 'desc',
  since: Date.parse('2026-11-21T00:00:00Z'),
  until: Date.parse('2026-11-22T00:00:00Z'),
  after: { at: Date.parse('2026-11-21T13:14:15.123Z'), id: 'kaleyra:75c1a2b3-1' },
  behind: {},
  filters: fingerprint({ statuses: ['busy'] }),
};

describe('CursorCodec', () => {
  const codec = new CursorCodec(SECRET);

  it('round-trips its state through an opaque, URL-safe token', () => {
    const token = codec.encode(state);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(token)).toEqual(state);
  });

  it('round-trips providers left behind, from a record or from the start of the window', () => {
    const lagging: CursorState = {
      ...state,
      behind: { cinnox: null, kaleyra: { at: state.since + 5, id: 'kaleyra:k-5' } },
    };
    expect(codec.decode(codec.encode(lagging))).toEqual(lagging);
    const nothingYet: CursorState = { ...state, after: null, behind: { kaleyra: null } };
    expect(codec.decode(codec.encode(nothingYet))).toEqual(nothingYet);
  });

  it('refuses a token whose payload was changed, even into another valid state', () => {
    const token = codec.encode(state);
    const forged = Buffer.from(
      JSON.stringify([
        2,
        'desc',
        state.since,
        state.until,
        state.filters,
        [state.after!.at - 1000, state.after!.id],
        [],
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

  it.each([
    ['an unknown sort', [2, 'sideways', 0, 1, 'f', null, []]],
    ['another version', [1, 'desc', 0, 1, 0, 'x', 'f']],
    ['a position without id', [2, 'desc', 0, 1, 'f', [5], []]],
    ['an unknown provider behind', [2, 'desc', 0, 1, 'f', null, [['acme']]]],
    ['a malformed position behind', [2, 'desc', 0, 1, 'f', null, [['kaleyra', 'x', 5]]]],
  ])('refuses a correctly signed payload with %s', (_, shape) => {
    // Signed as the codec signs, so that only the shape is wrong.
    const sign = (payload: string): string =>
      createHmac('sha256', SECRET).update(payload).digest('base64url').slice(0, 22);
    const payload = Buffer.from(JSON.stringify(shape)).toString('base64url');
    expect(codec.decode(`${payload}.${sign(payload)}`)).toBeNull();
  });
});

describe('fingerprint', () => {
  it('is stable for equal filters and differs for different ones', () => {
    expect(fingerprint({ a: ['x'] })).toBe(fingerprint({ a: ['x'] }));
    expect(fingerprint({ a: ['x'] })).not.toBe(fingerprint({ a: ['y'] }));
  });
});
