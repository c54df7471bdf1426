// Keeps a registry's last exposition, so the next scrape in the same format
// copies the text of every histogram series that saw no observation since
// (one copy per run of such series) instead of writing its 17 lines again.
// Between two scrapes most series of a service do not change: its traffic
// goes to a few routes. A series remembers where its text sits and the
// count it showed (HistogramSeries.shownIn); the exposition is held here
// until the next one replaces it, and its chunks go back to the writer's
// pool only once both this and the response have let go. One exposition per
// registry: a service is scraped in one format (by one Prometheus, or an HA
// pair of the same version); scrapes alternating formats render in full.
import type { Registry } from 'prom-client';
import { chunkStarts, holdChunks, releaseChunks, type WrittenChunks } from './exposition-writer.ts';

/**
 * A bigger exposition is not kept: reuse would hold a second copy of it
 * between scrapes. 32 MiB is ~220k histogram series.
 */
const MAX_KEPT_BYTES = 32 * 2 ** 20;

interface KeptExposition extends WrittenChunks {
  readonly generation: number;
  readonly format: string;
  readonly bytes: number;
}

/** The exposition kept, and whether a render that records is under way. */
interface RegistryState {
  kept: KeptExposition | undefined;
  rendering: boolean;
}
const states = new WeakMap<Registry, RegistryState>();
/** Bytes of every kept exposition (for the benchmark's heap reading, like the writer's pool). */
let keptTotal = 0;
export const keptBytes = (): number => keptTotal;
/** Generations start at 1: a series row's 0 (new, or reset) never matches one. */
let lastGeneration = 0;

/**
 * One render's part in reuse. Only one render per registry reads and
 * records at a time; another that starts meanwhile (two scrapers at once)
 * renders everything and records nothing (`generation` 0).
 */
export class ReuseClaim {
  /** The exposition to copy unchanged series from: the kept one, if in this render's format. */
  readonly source: KeptExposition | undefined;
  /** The generation this render records series under; 0 when it records nothing. */
  readonly generation: number;
  /** Series recorded: an exposition with none (no histogram) is not worth keeping. */
  recorded = 0;
  readonly #state: RegistryState;
  readonly #format: string;

  constructor(registry: Registry, format: string) {
    let state = states.get(registry);
    if (state === undefined) states.set(registry, (state = { kept: undefined, rendering: false }));
    this.#state = state;
    this.#format = format;
    const owner = !state.rendering;
    if (owner) state.rendering = true;
    this.source = owner && state.kept?.format === format ? state.kept : undefined;
    this.generation = owner ? ++lastGeneration : 0;
  }

  /**
   * The render is done (`chunks`) or failed (undefined). A finished one that
   * recorded series replaces the kept exposition; the old one is released.
   */
  settle(chunks: readonly Buffer[] | undefined): void {
    if (this.generation === 0) return;
    const state = this.#state;
    state.rendering = false;
    // A failed render leaves the kept exposition: series it did not reach still match it.
    if (chunks === undefined) return;
    const old = state.kept;
    const starts = chunkStarts(chunks);
    const bytes = chunks.length === 0 ? 0 : starts.at(-1)! + chunks.at(-1)!.length;
    if (this.recorded > 0 && bytes <= MAX_KEPT_BYTES) {
      holdChunks(chunks);
      state.kept = { generation: this.generation, format: this.#format, chunks, starts, bytes };
      keptTotal += bytes;
    } else {
      // The series this render reached point at its output now: the old exposition matches too few to keep.
      state.kept = undefined;
    }
    if (old !== undefined) {
      keptTotal -= old.bytes;
      releaseChunks(old.chunks);
    }
  }
}
