import type { Clock } from '../domain/clock.js';
import {
  type Slice,
  childrenOf,
  coveringSlices,
  narrowerThan,
  tilesOf,
  widerThan,
} from '../domain/slice.js';
import type { CallLogProvider, Pushdown } from '../upstreams/call-log-provider.js';
import type { CacheStore } from './cache-store.js';
import type { Decoded, DecodedSlices } from './decoded-slices.js';
import { sliceKey } from './slice-key.js';

/**
 * A slice composed from fresh cached slices that hold it: a wider one it lies inside, or narrower
 * ones that tile it (the walk sizes its slices to the query, so another query may have fetched
 * the same time in other units).
 */
export class SliceCovers {
  constructor(
    private readonly store: CacheStore,
    private readonly decoded: DecodedSlices,
    private readonly clock: Clock,
  ) {}

  /**
   * Freshness is asked of every candidate at once, without reading a value; only the slices
   * chosen are read. A slice of whole hours of no planner width (a first round sized by the calls
   * an hour) is composed tile by tile. Undefined when no fresh slices cover it.
   */
  async compose(
    provider: CallLogProvider,
    slice: Slice,
    pushdown: Pushdown,
  ): Promise<Decoded | undefined> {
    const tiles = tilesOf(slice) ?? [slice];
    const candidates = tiles.flatMap((tile) => [tile, ...widerThan(tile), ...narrowerThan(tile)]);
    const keyOf = (part: Slice): string => sliceKey(provider, part, pushdown);
    const fresh = await this.freshAmong(candidates.map(keyOf));
    const isFresh = (part: Slice): boolean => fresh.has(keyOf(part));
    const tiled = tiles.map((tile) => (isFresh(tile) ? [tile] : coveringSlices(tile, isFresh)));
    if (tiled.some((parts) => parts === null)) return undefined;
    // Each part with the tile it serves: a wider part serves only its tile's time, as the tile
    // next to it may be served by the same part.
    const parts = tiles.flatMap((tile, i) => (tiled[i] as Slice[]).map((part) => ({ tile, part })));
    const read = await Promise.all(parts.map(({ part }) => this.readFresh(keyOf(part))));
    if (read.some((decoded) => decoded === undefined)) return undefined;
    const pieces = read as Decoded[];
    const wider = ({ tile, part }: { tile: Slice; part: Slice }): boolean =>
      part.to - part.from > tile.to - tile.from;
    const records = pieces.flatMap((decoded, i) => {
      const { tile } = parts[i];
      if (!wider(parts[i])) return decoded.payload.records;
      return decoded.payload.records.filter((record) => {
        const at = Date.parse(record.startedAt);
        return at >= tile.from && at < tile.to;
      });
    });
    const composed: Decoded = {
      // What could not be read is counted by the slice that fetched it, not by a part of it.
      payload: {
        records,
        rejected: pieces.reduce(
          (sum, decoded, i) => sum + (wider(parts[i]) ? 0 : decoded.payload.rejected),
          0,
        ),
      },
      fetchedAt: Math.min(...pieces.map((decoded) => decoded.fetchedAt)),
      freshUntil: Math.min(...pieces.map((decoded) => decoded.freshUntil)),
      // Its records are its parts' own objects, but it keeps them alive after the parts are gone:
      // counted at its share of the parts.
      bytes: Math.round(
        (pieces.reduce((sum, decoded) => sum + decoded.bytes, 0) * records.length) /
          Math.max(
            1,
            pieces.reduce((sum, decoded) => sum + decoded.payload.records.length, 0),
          ),
      ),
    };
    this.decoded.remember(keyOf(slice), composed);
    return composed;
  }

  /**
   * A slice of whole hours of no planner width (a first round sized by the calls an hour), some of
   * whose tiles are held and some not: the held ones and each run of the others, to serve apart,
   * so that held time is not fetched again. Null when it is all held, or none of it.
   */
  async splitAroundHeld(
    provider: CallLogProvider,
    slice: Slice,
    pushdown: Pushdown,
  ): Promise<Slice[] | null> {
    const tiles = tilesOf(slice);
    if (tiles === null || tiles.length < 2) return null;
    const held = await this.held(provider, tiles, pushdown);
    if (held.every(Boolean) || !held.some(Boolean)) return null;
    const parts: Slice[] = [];
    tiles.forEach((tile, i) => {
      const last = parts.at(-1);
      if (last !== undefined && !held[i] && !held[i - 1]) last.to = tile.to;
      else parts.push({ ...tile });
    });
    return parts;
  }

  /** Whether each of `tiles` is held fresh, itself or by fresh slices that cover it. */
  async held(
    provider: CallLogProvider,
    tiles: readonly Slice[],
    pushdown: Pushdown,
  ): Promise<boolean[]> {
    const keyOf = (part: Slice): string => sliceKey(provider, part, pushdown);
    const candidates = tiles.flatMap((tile) => [tile, ...widerThan(tile), ...narrowerThan(tile)]);
    const fresh = await this.freshAmong(candidates.map(keyOf));
    const isFresh = (part: Slice): boolean => fresh.has(keyOf(part));
    return tiles.map((tile) => isFresh(tile) || coveringSlices(tile, isFresh) !== null);
  }

  /**
   * The parts of `slice` that nothing here holds: none when a slice it lies inside is fresh or
   * `underWay`; else the slice itself, or its children's parts where some narrower slice inside it
   * is, so that no time is fetched twice.
   */
  async notHeld(
    provider: CallLogProvider,
    slice: Slice,
    pushdown: Pushdown,
    underWay: (key: string) => boolean,
  ): Promise<Slice[]> {
    const keyOf = (part: Slice): string => sliceKey(provider, part, pushdown);
    const wider = widerThan(slice);
    const keys = [slice, ...wider, ...narrowerThan(slice)].map(keyOf);
    const fresh = await this.freshAmong(keys.filter((key) => !underWay(key)));
    const held = (part: Slice): boolean => underWay(keyOf(part)) || fresh.has(keyOf(part));
    if (wider.some(held)) return [];
    const parts = (part: Slice): Slice[] => {
      if (held(part)) return [];
      if (!narrowerThan(part).some(held)) return [part];
      return childrenOf(part).flatMap(parts);
    };
    return parts(slice);
  }

  /**
   * The keys held fresh, here decoded or in the store: freshness is asked of them all at once,
   * without reading a value.
   */
  private async freshAmong(keys: readonly string[]): Promise<Set<string>> {
    const now = this.clock.now();
    const fresh = new Set<string>();
    const unknown: string[] = [];
    for (const key of keys) {
      if (this.decoded.isFresh(key, now)) fresh.add(key);
      else unknown.push(key);
    }
    const stored = await this.store.freshness(unknown);
    unknown.forEach((key, i) => {
      if (now < (stored[i] ?? 0)) fresh.add(key);
    });
    return fresh;
  }

  /** A slice as this replica holds it decoded, or as the store does, while it is fresh. */
  private async readFresh(key: string): Promise<Decoded | undefined> {
    const local = this.decoded.fresh(key);
    if (local !== undefined) return local;
    const entry = await this.store.get(key);
    if (entry === undefined || this.clock.now() >= entry.freshUntil) return undefined;
    return this.decoded.decode(key, entry);
  }
}
