import type { CallLog } from '../domain/call-log.js';
import { type Slice, childrenOf } from '../domain/slice.js';

/** A part of a fetched slice, kept apart: aligned, so the covers compose it like any slice. */
export interface SlicePiece {
  slice: Slice;
  records: CallLog[];
}

/**
 * A fetched slice cut into the aligned slices one width narrower, again and again, until each
 * holds at most `maxRecords` (or is an hour): read-ahead sizes its slices by the calls an hour
 * seen so far, and a quiet night's density can make a 12-hour slice of a busy morning. Held whole,
 * every page inside it decodes and keeps all of it (11,693 records, 28 MiB, on the dense day).
 * Records beyond the slice's bounds (the providers are asked for a second more on each side) go
 * to the first and the last piece, so that the pieces hold exactly the slice's records, in order.
 */
export function slicePieces(slice: Slice, records: CallLog[], maxRecords: number): SlicePiece[] {
  const children = childrenOf(slice);
  if (records.length <= maxRecords || children.length === 0) return [{ slice, records }];
  const parts: CallLog[][] = children.map(() => []);
  const width = children[0].to - children[0].from;
  for (const record of records) {
    const at = Date.parse(record.startedAt);
    const index = Math.floor((at - slice.from) / width);
    parts[Math.min(Math.max(index, 0), children.length - 1)].push(record);
  }
  return children.flatMap((child, i) => slicePieces(child, parts[i], maxRecords));
}
