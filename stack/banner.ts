// The start-up banner: every URL, which rules are on, and how to make an
// alert fire and resolve with the demo's fault switch.
import type { StackRules } from './rules.ts';

export interface BannerFacts {
  readonly serviceUrl: string;
  readonly metricsUrl: string;
  readonly service: string;
  readonly trafficRps: number;
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  readonly pagerUrl: string;
  readonly rules: StackRules;
  /** Scrape jobs besides the service's. */
  readonly stackJobs: readonly string[];
  /** Jobs of the bundle the stack does not run, silenced in Alertmanager. */
  readonly silencedJobs: readonly string[];
  /** ADMIN_TOKEN is set: the admin endpoints want it as a bearer token. */
  readonly adminToken: boolean;
  readonly dataDir: string;
  readonly logFiles: readonly string[];
}

/** The fault switch as curl commands (the token by variable name, never its value). */
export function faultCommands(serviceUrl: string, adminToken: boolean): { on: string; off: string } {
  const url = new URL('/admin/fault', serviceUrl).href;
  const auth = adminToken ? ` -H "authorization: Bearer $ADMIN_TOKEN"` : '';
  return {
    on: `curl -X PUT ${url}${auth} -H 'content-type: application/json' -d '{"error_ratio":0.5}'`,
    off: `curl -X DELETE ${url}${auth}`,
  };
}

export function banner(f: BannerFacts): string {
  const row = (name: string, url: string, note = '') => `  ${name.padEnd(14)}${note === '' ? url : `${url.padEnd(40)}${note}`}`;
  const page = (path: string) => new URL(path, f.prometheusUrl).href;
  const fault = faultCommands(f.serviceUrl, f.adminToken);
  const { rules } = f;
  return [
    '',
    `Local stack up: ${rules.mode === 'quick' ? 'QUICK DEMO' : 'GENERATED'} rules of ${rules.env}. Everything listens on loopback only.`,
    '',
    row('demo service', f.serviceUrl, `${f.service}, with ${f.trafficRps} generated requests/s`),
    row('its metrics', f.metricsUrl),
    row('Prometheus', f.prometheusUrl, `scrapes ${[f.service, ...f.stackJobs].join(', ')}`),
    row('  rules', page('/rules')),
    row('  alerts', page('/alerts')),
    row('  targets', page('/targets')),
    row('Alertmanager', f.alertmanagerUrl, `${rules.env} routing; every receiver -> the local pager`),
    row('local pager', f.pagerUrl, 'notifications print below'),
    '',
    `Rules: ${rules.description}.`,
    '',
    `Make an alert fire (half of the API requests fail; HttpErrorRatioHigh, critical, reaches the pager ${rules.expect.page}):`,
    `  ${fault.on}`,
    `Clear the fault (the resolved notice follows ${rules.expect.resolved}):`,
    `  ${fault.off}`,
    'Also expect ErrorBudgetBurn: the demo fails about 2% of its requests on purpose (/api/v1/fail), more than its 99.5% SLO allows,',
    'so the slow-burn warning fires soon after start; with the fault on, the fast-burn pages follow (real 5m/1h windows: they resolve minutes later).',
    `Silenced in Alertmanager: down alerts about ${f.silencedJobs.join(', ')}, which this stack does not run.`,
    '',
    `Logs and data: ${f.dataDir} (${f.logFiles.join(', ')})`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
