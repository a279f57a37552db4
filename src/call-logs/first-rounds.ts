import { Injectable } from '@nestjs/common';
import { CallDensity } from '../cache/call-density.js';
import { firstSlice } from '../domain/first-round.js';
import type { Slice } from '../domain/slice.js';
import { DAY } from '../domain/time.js';
import type { ResolvedQuery } from './call-log-query.js';
import type { Run } from './provider-run.js';

/** How far from the edge a first round reads the calls an hour: beyond it, they are unknown. */
const DENSITY_SPAN_MS = 7 * DAY;

/** A first round chosen, and how many walks under way go by it. */
interface Chosen {
  slice: Promise<Slice | null>;
  walks: number;
}

/** The slice a first page starts with, and the end of the walk's claim on it. */
export interface FirstRound {
  slice: Slice | null;
  release(): void;
}

/**
 * A first page's first round, sized by the calls an hour the providers still walking had before.
 * Identical first pages under way at once go by the one choice the first of them made: the counts
 * change as their own slices come in, and a later choice made from them would fetch other slices
 * than the ones already being fetched, where going by the first shares every fill.
 */
@Injectable()
export class FirstRounds {
  private readonly underWay = new Map<string, Chosen>();

  constructor(private readonly density: CallDensity) {}

  async choose(query: ResolvedQuery, edge: number, runs: readonly Run[]): Promise<FirstRound> {
    const providers = runs.flatMap(({ provider }) => (provider === undefined ? [] : [provider]));
    const key = [
      query.order,
      query.since,
      query.until,
      query.limit,
      edge,
      ...providers.map((p) => p.name),
    ].join('|');
    const chosen = this.underWay.get(key) ?? { slice: this.sized(query, edge, runs), walks: 0 };
    chosen.walks += 1;
    this.underWay.set(key, chosen);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      chosen.walks -= 1;
      if (chosen.walks === 0 && this.underWay.get(key) === chosen) this.underWay.delete(key);
    };
    try {
      return { slice: await chosen.slice, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  private async sized(
    query: ResolvedQuery,
    edge: number,
    runs: readonly Run[],
  ): Promise<Slice | null> {
    const [from, to] =
      query.order === 'desc'
        ? [Math.max(query.since, edge - DENSITY_SPAN_MS), edge]
        : [edge, Math.min(query.until, edge + DENSITY_SPAN_MS)];
    const counts = await Promise.all(
      runs.flatMap(({ provider }) =>
        provider === undefined ? [] : [this.density.read(provider, from, to)],
      ),
    );
    const window = { since: query.since, until: query.until };
    return firstSlice(window, edge, query.order, query.limit + 1, counts);
  }
}
