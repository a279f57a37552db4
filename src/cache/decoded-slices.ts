import { LRUCache } from 'lru-cache';
import type { Clock } from '../domain/clock.js';
import { currentContext } from '../http/request-context.js';
import type { StoredEntry } from './cache-store.js';
import { decodeSlice, type SlicePayload } from './slice-codec.js';
import { sliceOfKey } from './slice-key.js';
import type { SortOrder } from '../domain/slice.js';

/** A slice's records as this replica holds them, with the freshness of the fetch they came from. */
export interface Decoded {
  payload: SlicePayload;
  fetchedAt: number;
  freshUntil: number;
  /** What the decoded records take of the heap, estimated from their encoded size. */
  bytes: number;
}

/**
 * Heap bytes a decoded slice takes per byte of its encoding, as the bounds count it. Measured on
 * the dense data set's day decoded whole, a byte takes 3.8 (Kaleyra) to 4.0 (CINNOX); counting 4
 * kept fewer slices decoded and made warm walks slower without lowering the server's peak (three
 * pairs of runs), so the bounds hold about a third more heap than they name.
 */
const HEAP_PER_ENCODED_BYTE = 3;

/** The heap a slice encoded in `encoded` bytes takes once decoded. */
export function decodedBytes(encoded: number): number {
  return encoded * HEAP_PER_ENCODED_BYTE + 64;
}

/**
 * What one whole-window read (an export) keeps decoded for itself: the slices its page is on, for
 * every provider, and the next. Measured on the dense day: a 12-hour CINNOX slice of its night and
 * morning is 7 MiB encoded, 21 MiB here.
 */
const WHOLE_WINDOW_MAX_BYTES = 48 * 1024 * 1024;

/**
 * The slices this replica has read or fetched, decoded, kept while fresh: a fresh slice is as good
 * here as in the store, and reading it here costs neither a round trip nor decoding. Bounded by
 * the heap they take.
 *
 * A request that reads a whole window (an export) keeps what it decodes in a set of its own, gone
 * with the request: a month read once would otherwise push out of the shared set every slice the
 * other requests use, and hold the heap its size allows for slices nobody asks for again.
 */
export class DecodedSlices {
  private readonly slices: LRUCache<string, Decoded>;
  private readonly wholeWindows = new WeakMap<object, LRUCache<string, Decoded>>();
  private readonly wholeWindowsEnded = new WeakSet<object>();
  /** The sets of the whole-window reads under way, for what they hold. */
  private readonly wholeWindowsHeld = new Set<LRUCache<string, Decoded>>();
  private readonly entries = new WeakMap<StoredEntry, Decoded>();

  constructor(
    maxBytes: number,
    private readonly clock: Clock,
  ) {
    this.slices = bounded(maxBytes);
  }

  /** The heap the slices kept for every request take, as estimated. */
  get bytes(): number {
    return this.slices.calculatedSize;
  }

  /** The whole-window reads whose own sets are held. */
  get wholeWindowSets(): number {
    return this.wholeWindowsHeld.size;
  }

  /** The calls the whole-window reads under way hold decoded for themselves. */
  get wholeWindowRecords(): number {
    let records = 0;
    for (const own of this.wholeWindowsHeld)
      for (const decoded of own.values()) records += decoded.payload.records.length;
    return records;
  }

  /**
   * Lets go of the set a whole-window read kept for itself, once it has ended. It cannot be left
   * to the request's context to go: a connection opened by one of its fills (kept alive for the
   * next request to the upstream) keeps that context, and so the set, for as long as it lives.
   * What its read-ahead fetches after this is not kept decoded at all.
   */
  endWholeWindow(context: object): void {
    this.wholeWindowsEnded.add(context);
    const own = this.wholeWindows.get(context);
    if (own === undefined) return;
    own.clear();
    this.wholeWindows.delete(context);
    this.wholeWindowsHeld.delete(own);
  }

  /**
   * Drops from a whole-window read's own set the slices its walk has passed: it reads on from
   * `edge`, in `order`, and never asks for them again. Without this the set holds everything the
   * read decoded, up to its bound: the dense day's export ended holding all its 27,497 calls.
   */
  passWholeWindow(context: object, edge: number, order: SortOrder): void {
    const own = this.wholeWindows.get(context);
    if (own === undefined) return;
    for (const key of [...own.keys()]) {
      const slice = sliceOfKey(key);
      if (order === 'desc' ? slice.from > edge : slice.to <= edge) own.delete(key);
    }
  }

  /** The slice while it is fresh; counts as a use. */
  fresh(key: string): Decoded | undefined {
    const local = this.own()?.get(key) ?? this.slices.get(key);
    return local !== undefined && this.clock.now() < local.freshUntil ? local : undefined;
  }

  /** Whether the slice is held fresh, without counting as a use. */
  isFresh(key: string, now: number): boolean {
    const local = this.own()?.peek(key) ?? this.slices.peek(key);
    return local !== undefined && now < local.freshUntil;
  }

  /** Decodes a stored entry, unless this replica already holds that very fetch decoded. */
  decode(key: string, entry: StoredEntry): Decoded {
    const known = this.own()?.peek(key) ?? this.slices.peek(key);
    const decoded =
      known !== undefined && known.fetchedAt === entry.fetchedAt ? known : this.decoding(entry);
    this.remember(key, decoded);
    return decoded;
  }

  /**
   * An entry decoded once, however many callers share it (`SharedGets`), even when it is too
   * large to keep or pushed out between their turns.
   */
  private decoding(entry: StoredEntry): Decoded {
    let decoded = this.entries.get(entry);
    if (decoded === undefined) {
      decoded = {
        payload: decodeSlice(entry.value),
        fetchedAt: entry.fetchedAt,
        freshUntil: entry.freshUntil,
        bytes: decodedBytes(entry.value.length),
      };
      this.entries.set(entry, decoded);
    }
    return decoded;
  }

  remember(key: string, decoded: Decoded): void {
    const ttl = decoded.freshUntil - this.clock.now();
    const own = this.own();
    if (ttl > 0 && own !== null) (own ?? this.slices).set(key, decoded, { ttl });
  }

  /**
   * The set of the whole-window read being served, if it is one; null once that read has ended,
   * for the fills it started that end after it.
   */
  private own(): LRUCache<string, Decoded> | undefined | null {
    const context = currentContext();
    if (context?.wholeWindow !== true) return undefined;
    if (this.wholeWindowsEnded.has(context)) return null;
    let own = this.wholeWindows.get(context);
    if (own === undefined) {
      own = bounded(WHOLE_WINDOW_MAX_BYTES);
      this.wholeWindows.set(context, own);
      this.wholeWindowsHeld.add(own);
    }
    return own;
  }
}

function bounded(maxBytes: number): LRUCache<string, Decoded> {
  return new LRUCache<string, Decoded>({
    maxSize: Math.max(1, maxBytes),
    sizeCalculation: (value) => Math.max(1, value.bytes),
  });
}
