import { describe, expect, it } from '@jest/globals';
import { HOUR } from '../domain/time.js';
import { widestAfter, widthFor } from './read-ahead.js';

describe('widthFor', () => {
  it.each([
    [0, 24 * HOUR],
    [150, 24 * HOUR],
    [300, 12 * HOUR],
    [1_000, 3 * HOUR],
    [3_000, HOUR],
    // Denser than one slice's worth an hour: still an hour, the narrowest slice there is.
    [50_000, HOUR],
  ])('%d calls an hour: slices %d ms wide', (perHour, width) => {
    expect(widthFor(perHour)).toBe(width);
  });
});

describe('widestAfter', () => {
  it.each([
    [HOUR, 3 * HOUR],
    [2 * HOUR, 3 * HOUR],
    [3 * HOUR, 6 * HOUR],
    [6 * HOUR, 12 * HOUR],
    [12 * HOUR, 24 * HOUR],
    // A day is the widest slice there is.
    [24 * HOUR, 24 * HOUR],
    [14 * 24 * HOUR, 24 * HOUR],
  ])('after a page that read %d ms: slices at most %d ms wide', (readMs, width) => {
    expect(widestAfter(readMs)).toBe(width);
  });
});
