/**
 * What an upstream's pages have shown of the largest page it serves. A page of n records proves it
 * serves n at once; so a page shorter than asked and shorter than one it served before holds all
 * that was left. A short page as long as any seen proves nothing: the upstream may cut its pages
 * there without saying so, and only the next page tells.
 */
export class PageSizeEvidence {
  private largest = 0;

  /**
   * A tally for one slice, starting from what earlier slices proved. It adds to the evidence only
   * when the slice ends, so that slices fetched side by side all start from the same evidence and
   * cost the same requests however their answers interleave.
   */
  tally(): PageSizeTally {
    return new PageSizeTally(this.largest, (largest) => {
      this.largest = Math.max(this.largest, largest);
    });
  }
}

export class PageSizeTally {
  constructor(
    private proven: number,
    private readonly keep: (largest: number) => void,
  ) {}

  /** Takes in a page of `size` records, `asked` asked for; whether it is the last one. */
  isLast(size: number, asked: number): boolean {
    const last = size === 0 || (size < asked && size < this.proven);
    this.proven = Math.max(this.proven, Math.min(size, asked));
    return last;
  }

  /** The slice is over: what it showed counts for the slices after it. */
  close(): void {
    this.keep(this.proven);
  }
}
