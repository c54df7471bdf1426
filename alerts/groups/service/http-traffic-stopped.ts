// HttpTrafficStopped: a service that had traffic a day ago serves no requests.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { count } from '../../../signals/promql.ts';
import { recorded } from '../../../signals/recording-rules.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, duration, ok, products, requests, UP } from './common.ts';

export function httpTrafficStopped(config: AlertConfig): AlertRule {
  const stoppedFor = config.service.trafficStoppedFor;
  return alert({
    alert: 'HttpTrafficStopped',
    // Jobs that served requests a day ago, unless they serve requests now. `unless` rather
    // than `== 0`: a restarted process that gets no requests exposes no request series at
    // all (labelled series appear with the first request), so its rate is absent, not 0.
    // A job that never had traffic has no positive rate a day ago and never matches.
    expr: `${recorded.requestRate} offset 1d > 0 unless on (job) ${recorded.requestRate} > 0`,
    for: stoppedFor,
    severity: 'warning',
    summary: 'A service that had traffic a day ago serves no requests.',
    description: `{{ $labels.job }} has served no HTTP requests for ${stoppedFor}; at this time yesterday it served {{ printf "%.2f" $value }} requests per second.`,
    runbook: {
      meaning: `A job has answered no HTTP requests (its request rate is 0 or its request series are gone) for ${stoppedFor}, while it answered some at the same time a day earlier.`,
      impact: 'Users may not reach the service at all: a broken route in a load balancer, DNS or ingress, or a client that stopped calling.',
      diagnosis: [
        `Whether Prometheus still scrapes it: \`${UP}{job="<job>"}\` (TargetDown fires when it is 0).`,
        `Traffic by instance over the last hours: \`sum by (instance) (rate(${count(duration)}{job="<job>"}[5m]))\`.`,
        'Check the ingress, load balancer and DNS records in front of the service, and whether its callers were deployed or reconfigured.',
      ],
      mitigation: [
        'Restore the route to the service (ingress, service selector, DNS) or roll back the change that removed it.',
        'If the job was retired or renamed on purpose, silence this alert for a day: it compares with the day before.',
      ],
      escalation: 'Ticket for the owning team; page the platform team if several services stopped at once.',
      dashboard: DASHBOARD,
    },
    // A day of history costs promtool some 1,500 evaluations of every rule in the file per
    // test: one test holds the four jobs that must and must not alert after a day.
    tests: [
      {
        // shop's counter stops at 1440m (1d): from 1444m the 5-minute window holds only flat samples, the rate is 0.
        // cart's series end at 1440m (a restart, then no requests): from 1444m its rate is absent.
        name: 'fires ten minutes after traffic stops, whether the rate drops to 0 or the series vanish; not for jobs still serving or that never served',
        series: [
          requests(ok, '0+60x1440 86400x60'),
          requests(products(200, 'job="cart",instance="cart:8080"'), '0+30x1440'),
          requests(products(200, 'job="search",instance="search:8080"'), '0+60x1500'),
          requests(products(200, 'job="admin",instance="admin:8080"'), '0x1500'),
        ],
        evaluationInterval: '2m',
        evalTime: '1454m',
        quietAt: ['1452m'],
        expect: [
          firing('warning', { job: 'shop' }, 'shop has served no HTTP requests for 10m; at this time yesterday it served 1.00 requests per second.'),
          firing('warning', { job: 'cart' }, 'cart has served no HTTP requests for 10m; at this time yesterday it served 0.50 requests per second.'),
        ],
      },
      {
        name: 'stays quiet for a new job without a day of history, even once its traffic stops',
        series: [requests(ok, '0+60x20 1200x40')],
        evalTime: '50m',
        expect: [],
      },
    ],
  });
}
