// KubeHpaMaxedOut: a service's autoscaler has run at its maximum replicas for a
// while: it cannot add capacity any more (kubernetes-mixin).
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { HPA_LABEL, kubeStateMetrics as ksm } from '../../../signals/kubernetes-metrics.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { asServiceJob, DASHBOARD, KSM, ofServices } from './common.ts';

export function kubeHpaMaxedOut(config: AlertConfig): AlertRule[] {
  const [example] = config.services;
  if (example === undefined) return [];
  const hpa = (current: string, max = '20x40') => [
    { series: `${ksm.hpaCurrentReplicas}{${KSM},${HPA_LABEL}="${example.name}"}`, values: current },
    { series: `${ksm.hpaMaxReplicas}{${KSM},${HPA_LABEL}="${example.name}"}`, values: max },
  ];
  const sel = ofServices(config, HPA_LABEL);
  return [
    alert({
      alert: 'KubeHpaMaxedOut',
      expr: asServiceJob(`${ksm.hpaCurrentReplicas}{${sel}} == on (namespace, ${HPA_LABEL}) ${ksm.hpaMaxReplicas}{${sel}}`, HPA_LABEL),
      for: '15m',
      severity: 'warning',
      summary: 'The autoscaler of a service runs at its maximum replicas.',
      description: `HPA {{ $labels.namespace }}/{{ $labels.${HPA_LABEL} }} has run at its maximum of {{ $value }} replicas for 15 minutes: it cannot scale out any further.`,
      runbook: {
        meaning: 'The HorizontalPodAutoscaler of the service has held the deployment at its maximum replicas for 15 minutes: demand is at or beyond what it may scale to.',
        impact: 'None yet, if the SLOs hold; any more load and latency and errors rise with nothing left to add.',
        diagnosis: [
          `Replicas against the range: \`${ksm.hpaCurrentReplicas}{${HPA_LABEL}="<service>"}\`, \`${ksm.hpaMinReplicas}\`, \`${ksm.hpaMaxReplicas}\` (the Kubernetes workloads dashboard).`,
          'Whether the load is real: request rate against last week, and whether a single client or a retry storm drives it.',
          'Whether each pod is less efficient than it was: CPU per request, throttling, event loop utilisation after a deploy.',
        ],
        mitigation: ['Raise maxReplicas if the cluster has room; fix the regression that made pods less efficient.', 'Shed or rate-limit the traffic that does not need serving.'],
        escalation: 'Ticket for the owning team; the SLO pages if users are hurt.',
        dashboard: DASHBOARD,
      },
      tests: [
        {
          name: 'warns fifteen minutes after the replicas reach the maximum',
          series: hpa('3x5 20x35'),
          evalTime: '21m',
          quietAt: ['20m'],
          expect: [
            firing(
              'warning',
              { job: example.name, [HPA_LABEL]: example.name, namespace: 'shop' },
              `HPA shop/${example.name} has run at its maximum of 20 replicas for 15 minutes: it cannot scale out any further.`,
            ),
          ],
        },
        { name: 'stays quiet below the maximum', series: hpa('19x40'), evalTime: '30m', expect: [] },
      ],
    }),
  ];
}
