// The demo shop's project config: the kit applied to the demo like to any
// user's service. `npm run generate` runs the CLI on this file and writes
// examples/demo-shop/observability/; the drift test compares against it.
import { defineConfig } from '../../signals/project/index.ts';
import { demoBusinessMetrics } from './business-metrics.ts';
import { businessAlerts } from './business-alerts.ts';
import { businessPanels } from './business-panels.ts';

export default defineConfig({
  name: 'demo-shop',
  services: [
    {
      name: 'demo-shop',
      port: 8080,
      team: 'shop',
      image: 'ghcr.io/example/node-observability-kit-demo:0.1.0',
      command: ['node', 'main.ts'],
      metrics: demoBusinessMetrics,
      slos: [
        { kind: 'availability', objective: 0.995, period: '30d' },
        { kind: 'latency', objective: 0.99, thresholdSeconds: 0.5, period: '30d' },
      ],
      alerts: businessAlerts,
      panels: businessPanels,
    },
  ],
  environments: {
    production: { replicas: { 'demo-shop': 3 } },
    staging: {
      thresholds: { service: { latencyP95Seconds: { value: 1.5, for: '10m' } }, system: { hostCpuBusy: { value: 0.95, for: '15m' } } },
      notifications: { repeatInterval: '12h' },
    },
    development: {
      // Laptops and CI runners: noisy neighbours, short-lived processes, few users.
      thresholds: {
        service: { latencyP95Seconds: { value: 2, for: '10m' }, trafficStoppedFor: '1h' },
        system: { hostCpuBusy: { value: 0.95, for: '30m' }, memoryWarning: { value: 0.9, for: '10m' } },
      },
      alerts: { ShopOrdersDroppedWeekOverWeek: { threshold: 0.2, for: '1h' } },
      notifications: { groupWait: '10s', groupInterval: '1m', repeatInterval: '1h' },
    },
  },
  alerting: {
    runbookBaseUrl: 'https://github.com/example/node-observability-kit/blob/main/examples/demo-shop/observability/runbooks',
    urls: { grafana: 'http://localhost:3000', prometheus: 'http://localhost:9090', alertmanager: 'http://localhost:9093' },
    receivers: {
      pager: { type: 'pagerduty', routingKeyFile: '/etc/alertmanager/secrets/pagerduty-routing-key' },
      chat: { type: 'slack', apiUrlFile: '/etc/alertmanager/secrets/slack-api-url', channel: '#alerts' },
      ticket: { type: 'email', to: 'tickets@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587', username: 'alertmanager', passwordFile: '/etc/alertmanager/secrets/smtp-password' },
    },
    teams: {
      shop: { page: 'pager', ticket: 'ticket', chat: 'chat' },
      platform: { page: 'pager', ticket: 'ticket', chat: 'chat' },
    },
    platformTeam: 'platform',
    heartbeatUrlFile: '/etc/alertmanager/secrets/heartbeat-url',
  },
  stack: { logs: true, traces: true, nodeExporter: true, retention: '30d', scrapeInterval: '15s' },
});
