// A real Prometheus for tests: stack/prometheus.ts (the one implementation,
// shared with `npm run stack`) in a temp folder on a free port, scraping
// every second unless told otherwise.
import { type PrometheusOptions as StackPrometheusOptions, type RunningPrometheus, startPrometheus as startStackPrometheus } from '../../stack/prometheus.ts';
import { inScratchDir } from './scratch.ts';

export type { RunningPrometheus, ScrapeJob } from '../../stack/prometheus.ts';

export interface PrometheusOptions extends Omit<StackPrometheusOptions, 'scrapeInterval'> {
  /** Default 1s. */
  readonly scrapeInterval?: string;
}

export function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  return inScratchDir('prom-test-', (dir, port) => startStackPrometheus({ scrapeInterval: '1s', ...options, dir, port }));
}
