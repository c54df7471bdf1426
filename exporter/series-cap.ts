// Bounds the number of series a metric can create. Each label set gets its
// child once; past the cap every new label set shares one overflow series,
// and the first overflow is logged once so the cause can be found.
import { OVERFLOW_VALUE } from '../catalog/http.ts';
import type { Logger } from './logger.ts';

export const DEFAULT_MAX_SERIES = 2000;

export class SeriesCap<C> {
  readonly #children = new Map<string, C>();
  readonly #max: number;
  readonly #metric: string;
  readonly #logger: Logger;
  #overflow: C | undefined;

  constructor(metric: string, max: number, logger: Logger) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`metric "${metric}": maxSeries must be a positive integer, got ${max}`);
    }
    this.#metric = metric;
    this.#max = max;
    this.#logger = logger;
  }

  /** The child for `key`; `create` runs once per new key, `overflow` once ever. */
  get(key: string, create: () => C, overflow: () => C): C {
    const child = this.#children.get(key);
    if (child !== undefined) return child;
    if (this.#children.size < this.#max) {
      const created = create();
      this.#children.set(key, created);
      return created;
    }
    if (this.#overflow === undefined) {
      this.#overflow = overflow();
      this.#logger.warn(
        { metric: this.#metric, max_series: this.#max, overflow_value: OVERFLOW_VALUE },
        `metric ${this.#metric} reached its cap of ${this.#max} series; new label sets are recorded with every label set to "${OVERFLOW_VALUE}"`,
      );
    }
    return this.#overflow;
  }

  get size(): number {
    return this.#children.size;
  }
}
