import { describe, expect, it } from '@jest/globals';
import { HOUR } from '../domain/time.js';
import { widthFor } from './read-ahead.js';

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
