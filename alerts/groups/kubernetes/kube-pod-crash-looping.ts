// KubePodCrashLooping: a service's container keeps crashing and Kubernetes
// backs off restarting it (kubernetes-mixin).
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { kubeStateMetrics as ksm } from '../../../signals/kubernetes-metrics.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { asServiceJob, DASHBOARD, KSM, ofServices } from './common.ts';

export function kubePodCrashLooping(config: AlertConfig): AlertRule[] {
  const [example] = config.services;
  if (example === undefined) return [];
  const waiting = (container: string, values: string) => ({
    series: `${ksm.containerWaitingReason}{${KSM},pod="${container}-7d9f8-abcde",container="${container}",reason="CrashLoopBackOff"}`,
    values,
  });
  return [
    alert({
      alert: 'KubePodCrashLooping',
      expr: asServiceJob(`max_over_time(${ksm.containerWaitingReason}{reason="CrashLoopBackOff", ${ofServices(config, 'container')}}[5m]) >= 1`, 'container'),
      for: '15m',
      severity: 'warning',
      summary: 'A pod of a service is crash looping.',
      description: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is in CrashLoopBackOff: it keeps crashing and Kubernetes waits ever longer to restart it.',
      runbook: {
        meaning: 'A container of the service has been waiting in CrashLoopBackOff for 15 minutes: it exits soon after each start, and the kubelet backs off restarting it.',
        impact: 'The pod serves nothing: its share of capacity is gone (TargetDown, the SLO alerts and JobMissing tell how much users feel it).',
        diagnosis: [
          'Why it exits: `kubectl logs --previous <pod>` and `kubectl describe pod <pod>` (last state: OOMKilled, exit code, failed probes).',
          `How often: \`increase(${ksm.containerRestarts}{container="<service>"}[1h])\`.`,
          'What changed: the last deploy, its config and secrets.',
        ],
        mitigation: ['Roll back the deploy that started the crashes.', 'Raise the memory limit if it is OOMKilled; fix the missing config or secret the logs name.'],
        escalation: 'Ticket for the owning team; the SLO pages if users are hurt.',
        dashboard: DASHBOARD,
      },
      tests: [
        {
          // Waiting from minute 5: max_over_time sees it at once, then fifteen minutes' wait.
          name: 'warns fifteen minutes after the container starts crash looping, routed by the service in job',
          series: [waiting(example.name, '0x5 1x30')],
          evalTime: '21m',
          quietAt: ['20m'],
          expect: [
            firing(
              'warning',
              { job: example.name, container: example.name, instance: 'kube-state-metrics:8080', namespace: 'shop', pod: `${example.name}-7d9f8-abcde`, reason: 'CrashLoopBackOff' },
              `Pod shop/${example.name}-7d9f8-abcde (${example.name}) is in CrashLoopBackOff: it keeps crashing and Kubernetes waits ever longer to restart it.`,
            ),
          ],
        },
        { name: "stays quiet for another workload's crash loop", series: [waiting('someone-else', '1x30')], evalTime: '25m', expect: [] },
        { name: 'stays quiet while the container runs', series: [waiting(example.name, '0x30')], evalTime: '25m', expect: [] },
      ],
    }),
  ];
}
