import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { CursorCodec, fingerprint, type CursorState } from './cursor.js';

const SECRET = 'a-secret-of-enough-length';
const HOUR = 3_600_000;

const state: CursorState = {
  sort: 'desc',
  since: Date.parse('2026-11-21T00:00:00Z'),
  until: Date.parse('2026-11-22T00:00:00Z'),
  places: {
    cinnox: { at: Date.parse('2026-11-21T13:14:15.123Z'), id: 'kaleyra:75c1a2b3-1' },
    kaleyra: { at: Date.parse('2026-11-21T13:14:15.123Z'), id: 'kaleyra:75c1a2b3-1' },
  },
  filters: fingerprint({ statuses: ['busy'] }),
};

describe('CursorCodec', () => {
  const codec = new CursorCodec(SECRET, ['cinnox', 'kaleyra']);

  it('round-trips its state through an opaque, URL-safe token', () => {
    const token = codec.encode(state);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(token)).toEqual(state);
  });

  it('round-trips every kind of place: a record, a boundary, the start, and done', () => {
    const lagging: CursorState = {
      ...state,
      places: { cinnox: null, kaleyra: { at: state.since + 5, id: 'kaleyra:k-5' } },
    };
    expect(codec.decode(codec.encode(lagging))).toEqual(lagging);
    const resuming: CursorState = {
      ...state,
      places: { cinnox: 'done', kaleyra: { at: state.since + HOUR, id: '' } },
    };
    expect(codec.decode(codec.encode(resuming))).toEqual(resuming);
  });

  it('refuses a token whose payload was changed, even into another valid state', () => {
    const token = codec.encode(state);
    const forged = Buffer.from(
      JSON.stringify([
        3,
        'desc',
        state.since,
        state.until,
        state.filters,
        [['cinnox', state.since, 'cinnox:x']],
      ]),
    ).toString('base64url');
    expect(codec.decode(`${forged}.${token.split('.')[1]}`)).toBeNull();
  });

  it('refuses a token signed with another key (another deployment)', () => {
    expect(
      new CursorCodec('another-secret-of-length', ['cinnox', 'kaleyra']).decode(
        codec.encode(state),
      ),
    ).toBeNull();
  });

  it.each(['', 'abc', 'a.b.c', '.', 'eyJ9.xx', `${Buffer.from('{}').toString('base64url')}.sig`])(
    'refuses garbage %j',
    (token) => {
      expect(codec.decode(token)).toBeNull();
    },
  );

  it.each([
    ['an unknown sort', [3, 'sideways', 0, 1, 'f', []]],
    ['another version', [2, 'desc', 0, 1, 'f', null, []]],
    ['a position without id', [3, 'desc', 0, 1, 'f', [['cinnox', 5]]]],
    ['an unknown provider', [3, 'desc', 0, 1, 'f', [['acme']]]],
    ['a provider twice', [3, 'desc', 0, 1, 'f', [['cinnox'], ['cinnox', 'done']]]],
    ['a malformed position', [3, 'desc', 0, 1, 'f', [['kaleyra', 'x', 5]]]],
    [
      'an id longer than any provider gives',
      [3, 'desc', 0, 1, 'f', [['kaleyra', 5, 'x'.repeat(301)]]],
    ],
    ['a fractional time', [3, 'desc', 0.5, 1, 'f', []]],
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
