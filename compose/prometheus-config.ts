// prometheus.yml of the compose bundle: one scrape job per service of the
// project and per component of the stack, the rule file of the bundle's
// environment, and the bundle's Alertmanager.
import type { AlertConfig } from '../signals/alert-settings.ts';
import { remoteWriteOf } from '../signals/bundles.ts';
import { remoteWriteEntry } from '../signals/remote-write.ts';
import { seconds } from '../signals/slo/spec.ts';
import { ALERTMANAGER_PORT, type BundleService, PROMETHEUS_RULES_DIR } from './services.ts';

type Scraped = BundleService & { scrape: NonNullable<BundleService['scrape']> };

/** Scrape config of one service: a static target when it always runs, DNS discovery when its profile may leave it out. */
function scrapeConfig(service: Scraped): Record<string, unknown> {
  const { job, port, path } = service.scrape;
  const base = { job_name: job, metrics_path: path };
  if (service.profile === undefined) return { ...base, static_configs: [{ targets: [`${service.name}:${port}`] }] };
  // Docker's DNS knows the service only while it runs: without its profile there is no target (and no TargetDown page), not a down one.
  return {
    ...base,
    dns_sd_configs: [{ names: [service.name], type: 'A', port, refresh_interval: '30s' }],
    // Name the instance like the static targets do, not by the container's changing IP address.
    relabel_configs: [{ target_label: 'instance', replacement: `${service.name}:${port}` }],
  };
}

/** Prometheus's default scrape timeout, shortened to the interval when that is shorter (a timeout may not exceed it). */
export function scrapeTimeout(interval: string): string {
  return seconds(interval as never) < 10 ? interval : '10s';
}

export function prometheusConfig(settings: AlertConfig, services: readonly BundleService[]): Record<string, unknown> {
  const interval = settings.stack.scrapeInterval;
  const remoteWrite = remoteWriteOf(settings.project, settings.environment);
  return {
    global: { scrape_interval: interval, scrape_timeout: scrapeTimeout(interval), evaluation_interval: interval, external_labels: { environment: settings.environment } },
    rule_files: [`${PROMETHEUS_RULES_DIR}/rules.yml`],
    alerting: { alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: [`alertmanager:${ALERTMANAGER_PORT}`] }] }] },
    ...(remoteWrite && { remote_write: [remoteWriteEntry(remoteWrite)] }),
    scrape_configs: services.filter((s): s is Scraped => s.scrape !== undefined).map(scrapeConfig),
  };
}
