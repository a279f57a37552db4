import type { Slice } from '../domain/slice.js';
import type { CallLogProvider, Pushdown, SliceResult } from '../upstreams/call-log-provider.js';
import type { CacheStore, Lease, StoredEntry } from './cache-store.js';
import { type DecodedSlices, decodedBytes } from './decoded-slices.js';
import { type SlicePayload, encodeSlice } from './slice-codec.js';
import { slicePieces } from './slice-pieces.js';
import { sliceKey } from './slice-key.js';

/** The most records a slice is kept with whole; a larger one is kept as pieces (`slicePieces`). */
const RECORDS_PER_PIECE = 2_000;

/** When a kept slice was fetched, and until when it is fresh and may be served stale. */
export type KeptTimes = Omit<StoredEntry, 'value'>;

/**
 * Keeps what a fill fetched: in the store, under the fill's lease, and decoded in this replica.
 * A large slice is kept as its pieces, each under a lease of its own.
 */
export class SliceKeeper {
  constructor(
    private readonly store: CacheStore,
    private readonly decoded: DecodedSlices,
    private readonly leaseMs: number,
  ) {}

  /**
   * Keeps the slice `lease` was taken for; `inPieces` lets a large one be kept as its pieces, and
   * then the slice's lease is released with nothing: its waiters compose the slice from them.
   */
  async keep(
    lease: Lease,
    fill: { provider: CallLogProvider; slice: Slice; pushdown: Pushdown },
    fetched: SliceResult,
    times: KeptTimes,
    inPieces: boolean,
  ): Promise<void> {
    const { provider, slice, pushdown } = fill;
    const pieces = inPieces
      ? slicePieces(slice, fetched.records, RECORDS_PER_PIECE)
      : [{ slice, records: fetched.records }];
    if (pieces.length === 1) {
      await this.keepOne(lease, { records: fetched.records, rejected: fetched.rejected }, times);
      return;
    }
    await Promise.all(
      pieces.map(async (piece, i) => {
        // A piece another caller is filling is left to it.
        const pieceLease = await this.store.acquire(
          sliceKey(provider, piece.slice, pushdown),
          this.leaseMs,
        );
        if (pieceLease === null) return;
        // What could not be read has no time: it is counted once, with the first piece.
        const rejected = i === 0 ? fetched.rejected : 0;
        await this.keepOne(pieceLease, { records: piece.records, rejected }, times);
      }),
    );
    await this.store.fulfil(lease, null);
  }

  /** Stores a slice's records under its lease, and keeps them decoded here. */
  private async keepOne(lease: Lease, payload: SlicePayload, times: KeptTimes): Promise<void> {
    const entry: StoredEntry = { value: encodeSlice(payload), ...times };
    await this.store.fulfil(lease, entry);
    this.decoded.remember(lease.key, {
      payload,
      fetchedAt: times.fetchedAt,
      freshUntil: times.freshUntil,
      bytes: decodedBytes(entry.value.length),
    });
  }
}
