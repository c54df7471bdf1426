// The start-up banner: every URL, which rules are on, where notifications
// go, and (for the demo only) how to make an alert fire and resolve with its
// fault switch.
import type { StackRules } from './rules.ts';

export interface BannerService {
  readonly name: string;
  /** Its origin, http://host:port. */
  readonly url: string;
  readonly metricsUrl: string;
  /** How it runs here: "started: `node main.ts`", "scraped where it runs". */
  readonly how: string;
}

/** The demo's extras: a traffic generator and a fault switch (examples/demo-shop). */
export interface DemoFacts {
  readonly serviceUrl: string;
  readonly trafficRps: number;
  /** ADMIN_TOKEN is set: the admin endpoints want it as a bearer token. */
  readonly adminToken: boolean;
  /** Its availability objective, e.g. 0.995. */
  readonly availabilityObjective: number | undefined;
}

export interface BannerFacts {
  readonly project: string;
  readonly services: readonly BannerService[];
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  readonly pagerUrl: string;
  readonly rules: StackRules;
  /** Scrape jobs besides the services'. */
  readonly stackJobs: readonly string[];
  /** Jobs of the bundle the stack does not run, silenced in Alertmanager. */
  readonly silencedJobs: readonly string[];
  /** The receivers whose notifications go to the pager instead. */
  readonly receivers: readonly string[];
  readonly demo?: DemoFacts;
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

function demoLines(demo: DemoFacts, rules: StackRules): string[] {
  const fault = faultCommands(demo.serviceUrl, demo.adminToken);
  const objective = demo.availabilityObjective === undefined ? 'its availability objective' : `its ${+(demo.availabilityObjective * 100).toFixed(3)}% availability objective`;
  return [
    `Make an alert fire (half of the API requests fail; the availability SLO's fast-burn page, ErrorBudgetBurn critical, reaches the pager ${rules.expect.page}):`,
    `  ${fault.on}`,
    `Clear the fault (the resolved notice follows ${rules.expect.resolved}):`,
    `  ${fault.off}`,
    `The demo fails about 2% of its requests on purpose (/api/v1/fail), more than ${objective} allows: the slow-burn ticket opens once its`,
    'window holds enough data (hours); HttpErrorRatioHigh, a warning, stands down while the page fires.',
  ];
}

export function banner(f: BannerFacts): string {
  const width = Math.max(14, ...f.services.map((s) => s.name.length + 2));
  const row = (name: string, url: string, note = '') => `  ${name.padEnd(width)}${note === '' ? url : `${url.padEnd(40)}${note}`}`;
  const page = (path: string) => new URL(path, f.prometheusUrl).href;
  const { rules } = f;
  const traffic = (name: string) => (f.demo !== undefined && f.services[0]?.name === name ? `, with ${f.demo.trafficRps} generated requests/s` : '');
  return [
    '',
    `Local stack of ${f.project} up: ${rules.mode === 'quick' ? 'QUICK' : 'GENERATED'} rules of ${rules.env}. Prometheus, Alertmanager and the pager listen on loopback only.`,
    '',
    ...f.services.flatMap((s) => [row(s.name, s.url, `${s.how}${traffic(s.name)}`), row('its metrics', s.metricsUrl)]),
    row('Prometheus', f.prometheusUrl, `scrapes ${[...f.services.map((s) => s.name), ...f.stackJobs].join(', ')}`),
    row('  rules', page('/rules')),
    row('  alerts', page('/alerts')),
    row('  targets', page('/targets')),
    row('Alertmanager', f.alertmanagerUrl, `${rules.env} routing; every receiver (${f.receivers.join(', ')}) -> the local pager`),
    row('local pager', f.pagerUrl, 'notifications print below'),
    '',
    `Rules: ${rules.description}.`,
    '',
    ...(f.demo !== undefined
      ? demoLines(f.demo, rules)
      : ['The Watchdog\'s heartbeat reaches the pager within a minute: Prometheus -> Alertmanager -> pager works. Your services\' alerts print here as they fire and resolve.']),
    `Silenced in Alertmanager: down alerts about ${f.silencedJobs.join(', ')}, which this stack does not run.`,
    '',
    `Logs and data: ${f.dataDir} (${f.logFiles.join(', ')})`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
