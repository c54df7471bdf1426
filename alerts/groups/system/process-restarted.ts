// ProcessRestarted: a service process started anew in place (information, not routed).
import { catalog } from '../../../catalog/index.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;

export function processRestarted(): AlertRule {
  return alert({
    alert: 'ProcessRestarted',
    // prom-client's cluster aggregator omits process_start_time_seconds, so a
    // cluster primary's /metrics cannot show worker restarts; single processes can.
    expr: `max by (${BY_TARGET}) (changes(${m.processStartTime.name}[15m])) > 0`,
    for: '1m',
    severity: 'info',
    summary: 'A process restarted.',
    description: '{{ $labels.instance }} ({{ $labels.job }}) started anew {{ $value }} time(s) in the last 15 minutes.',
    runbook: {
      meaning: 'The start time a service process reports changed in the last 15 minutes while its target stayed the same: the process restarted in place (a deploy, a crash, an OOM kill).',
      impact: 'In-flight requests of the old process failed and in-memory state (caches, queues) was lost; repeated restarts mean an outage of that instance.',
      diagnosis: [
        `How often: \`changes(${m.processStartTime.name}{job="<job>", instance="<instance>"}[1h])\`.`,
        'Whether it was planned: the deploy history; otherwise the last log lines of the previous process, its exit code, and OOM kills in the kernel or container runtime log.',
        `Memory before the restart: \`${m.processResidentMemory.name}{job="<job>", instance="<instance>"}\`.`,
      ],
      mitigation: ['Nothing for a planned restart.', 'For a crash: roll back the deploy that introduced it, or raise the memory limit if it was OOM-killed while the cause is fixed.'],
      escalation: 'Informational (not routed); a crash loop shows as TargetDown, which pages.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires a minute after the start time changes',
        series: [series(m.processStartTime.name, target, '1750000000x10 1750000660x30')],
        evalTime: '12m',
        quietAt: ['11m'],
        expect: [firing('info', targetLabels, 'shop:8080 (shop) started anew 1 time(s) in the last 15 minutes.')],
      },
      { name: 'stays quiet while the process keeps running', series: [series(m.processStartTime.name, target, '1750000000x40')], evalTime: '30m', expect: [] },
      {
        name: 'stays quiet again 15 minutes after the restart',
        series: [series(m.processStartTime.name, target, '1750000000x10 1750000660x30')],
        evalTime: '27m',
        expect: [],
      },
    ],
  });
}
