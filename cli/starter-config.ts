// The config `init` writes: one service named after the app's package.json,
// every field explained where it stands, valid as written.

export interface StarterFacts {
  readonly service: string;
  readonly version: string;
  /** Import specifier of the kit's config helpers. */
  readonly kitImport: string;
  readonly typescript: boolean;
}

/** A package.json name as a service name: no scope, lowercase letters, digits and dashes. */
export function serviceNameFrom(packageName: string | undefined): string {
  const base = (packageName ?? '').replace(/^@[^/]+\//, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  return base === '' ? 'my-service' : base.slice(0, 63).replace(/-+$/, '');
}

export function starterConfig(f: StarterFacts): string {
  const version = /^\d+\.\d+\.\d+/.test(f.version) ? f.version : '0.1.0';
  return `// The observability of ${f.service}: one typed config, turned into alert and recording rules,
// Alertmanager routing, runbooks, Grafana dashboards and compose/Kubernetes bundles by
//   npx observability-kit generate      (writes observability/; commit it)
//   npx observability-kit check         (promtool, amtool and the kit's lints on the output)
//   npx observability-kit stack         (Prometheus + Alertmanager + a terminal pager on this machine)
import { defineConfig } from '${f.kitImport}';
// Your business metrics: the same spec objects your app passes to exporter.defineMetrics(), e.g.
//   import { appMetrics } from './src/metrics${f.typescript ? '.ts' : '.js'}';

export default defineConfig({
  // Names the Kubernetes namespace, the PrometheusRule and the dashboards' tag.
  name: '${f.service}',
  services: [
    {
      // The Prometheus job and the OpenTelemetry service.name (set SERVICE_NAME / OTEL_SERVICE_NAME alike).
      name: '${f.service}',
      // The port your app listens on; /metrics is served there (metricsPath to change it).
      port: 3000,
      // The owning team: a key of alerting.teams below. Its pages go where that team says.
      team: 'platform',
      // Your app's container image, with an exact tag, for the compose and Kubernetes bundles.
      image: '${f.service}:${version}',
      // How \`observability-kit stack\` starts your app here (it gets PORT); remove to scrape a running one.
      command: ['npm', 'start'],
      // metrics: appMetrics,
      // Service-level objectives: pages when the error budget burns fast (SRE Workbook burn rates).
      slos: [
        { kind: 'availability', objective: 0.999 }, // 99.9% of requests without a 5xx, over 30 days
        { kind: 'latency', objective: 0.99, thresholdSeconds: 0.5 }, // 99% of requests within 500 ms
      ],
      // Business alerts and panels on your metrics: ratioAbove(), rateDropsWeekOverWeek(), gaugeGrowing(),
      // ratePanel(), ratioPanel(), quantilePanel(), gaugePanel(), imported from '${f.kitImport}'.
      alerts: [],
      panels: [],
    },
  ],
  // Environments are yours to name; each may override thresholds, business alerts, replicas and retention.
  environments: {
    production: {},
    staging: { thresholds: { service: { latencyP95Seconds: { value: 1.5, for: '10m' } } } },
  },
  alerting: {
    // Where the generated runbooks (observability/runbooks/) are published, e.g. your repository's web view.
    runbookBaseUrl: 'https://example.com/${f.service}/observability/runbooks',
    // Browser-facing URLs, for links in notifications and dashboards (kibana and jaeger are optional: the local ports by default).
    urls: { grafana: 'http://localhost:3000', prometheus: 'http://localhost:9090', alertmanager: 'http://localhost:9093' },
    // Secrets are never written here: only paths of files your deployment mounts into Alertmanager.
    receivers: {
      // Not connected yet: Alertmanager shows the alerts and sends nothing (a placeholder address would fail to
      // send, and AlertmanagerFailedToSendAlerts would fire). Replace it with one of these before going live:
      oncall: { type: 'none' },
      // oncall: { type: 'pagerduty', routingKeyFile: '/etc/alertmanager/secrets/pagerduty-routing-key' },
      // oncall: { type: 'webhook', urlFile: '/etc/alertmanager/secrets/oncall-webhook-url' },
      // chat: { type: 'slack', apiUrlFile: '/etc/alertmanager/secrets/slack-api-url', channel: '#alerts' },
    },
    // Per team: critical alerts page, warnings make a ticket (and go to chat), info is not sent.
    teams: { platform: { page: 'oncall' } },
    // Host, runtime-wide and monitoring-stack alerts go to this team.
    platformTeam: 'platform',
  },
  // Which parts of the stack run in the bundles; Prometheus keeps \`retention\` of data (≥ every SLO period).
  stack: { logs: true, traces: true, nodeExporter: true, retention: '30d', scrapeInterval: '15s' },
});
`;
}
