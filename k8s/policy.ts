// The bundle's rules (shared/DESIGN.md, Kubernetes) as pure checks over the
// rendered objects: each returns one sentence per violation, empty when the
// objects comply, so a test can assert both the bundle and a broken copy.
import { imageProblem } from '../signals/bundles.ts';
import type { K8sObject } from './render.ts';

interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type?: string };
  };
}

interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}

interface WorkloadSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
}

/** Secrets the user creates before applying (the bundle's README.md); nothing else secret exists outside the cluster. */
export const USER_SECRETS = ['alertmanager-receivers', 'grafana-admin', 'elasticsearch-credentials'] as const;

export const REQUIRED_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by'] as const;
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

const id = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;
const specOf = (o: K8sObject): WorkloadSpec => o.spec as WorkloadSpec;

function containerProblems(c: Container, init: boolean): string[] {
  const out: string[] = [];
  const sc = c.securityContext ?? {};
  const imageNote = imageProblem(c.image);
  if (imageNote) out.push(imageNote);
  if (sc.runAsNonRoot !== true) out.push('runAsNonRoot is not true');
  if (sc.readOnlyRootFilesystem !== true) out.push('readOnlyRootFilesystem is not true');
  if (sc.allowPrivilegeEscalation !== false) out.push('allowPrivilegeEscalation is not false');
  if (sc.privileged === true) out.push('is privileged');
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push('capabilities do not drop ALL');
  if ((sc.capabilities?.add ?? []).length > 0) out.push('adds capabilities');
  if (sc.seccompProfile?.type !== 'RuntimeDefault') out.push('seccompProfile is not RuntimeDefault');
  for (const r of ['cpu', 'memory']) {
    if (c.resources?.requests?.[r] === undefined) out.push(`has no ${r} request`);
    if (c.resources?.limits?.[r] === undefined) out.push(`has no ${r} limit`);
  }
  // Init containers run to completion: probes do not apply to them.
  if (!init && c.livenessProbe === undefined) out.push('has no livenessProbe');
  if (!init && c.readinessProbe === undefined) out.push('has no readinessProbe');
  return out.map((p) => `container ${c.name} ${p}`);
}

/** Whether the rendered objects hold `namespace` at the privileged Pod Security level: where host access is admitted, and confined. */
function privilegedNamespace(objects: readonly K8sObject[], namespace: string | undefined): boolean {
  return objects.some((o) => o.kind === 'Namespace' && o.metadata.name === namespace && o.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'privileged');
}

/** Hardening, resources, probes, pinned images and labels of every workload. */
export function workloadViolations(objects: readonly K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objects.filter((x) => WORKLOAD_KINDS.includes(x.kind))) {
    const spec = specOf(o);
    const pod = spec.template.spec;
    const notes: string[] = [];
    if ((pod.hostNetwork || pod.hostPID || pod.hostIPC) && !privilegedNamespace(objects, o.metadata.namespace)) notes.push('uses a host namespace outside a namespace of Pod Security level privileged');
    if (pod.securityContext?.runAsNonRoot !== true) notes.push('pod runAsNonRoot is not true');
    if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') notes.push('pod seccompProfile is not RuntimeDefault');
    for (const c of pod.containers) notes.push(...containerProblems(c, false));
    for (const c of pod.initContainers ?? []) notes.push(...containerProblems(c, true));
    for (const l of REQUIRED_LABELS) {
      if (!o.metadata.labels?.[l]) notes.push(`has no ${l} label`);
      if (!spec.template.metadata?.labels?.[l]) notes.push(`pod template has no ${l} label`);
    }
    out.push(...notes.map((n) => `${id(o)}: ${n}`));
  }
  return out;
}

/** Every object carries the app.kubernetes.io/* labels. */
export function labelViolations(objects: readonly K8sObject[]): string[] {
  return objects.flatMap((o) => REQUIRED_LABELS.filter((l) => !o.metadata.labels?.[l]).map((l) => `${id(o)}: has no ${l} label`));
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Workloads with more than one replica have a PodDisruptionBudget selecting their pods. */
export function pdbViolations(objects: readonly K8sObject[]): string[] {
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  return objects
    .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && (specOf(o).replicas ?? 1) > 1)
    .filter((o) => !pdbs.some((p) => selects((p.spec as WorkloadSpec).selector?.matchLabels, specOf(o).template.metadata?.labels)))
    .map((o) => `${id(o)}: ${specOf(o).replicas} replicas and no PodDisruptionBudget`);
}

/** Every namespace that holds objects has a NetworkPolicy denying all ingress and egress by default. */
export function networkPolicyViolations(objects: readonly K8sObject[]): string[] {
  const namespaces = new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined));
  const denies = (o: K8sObject): boolean => {
    const spec = o.spec as { podSelector?: Record<string, unknown>; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] };
    return (
      o.kind === 'NetworkPolicy' &&
      Object.keys(spec.podSelector ?? { x: 1 }).length === 0 &&
      ['Ingress', 'Egress'].every((t) => spec.policyTypes?.includes(t)) &&
      (spec.ingress ?? []).length === 0 &&
      (spec.egress ?? []).length === 0
    );
  };
  return [...namespaces]
    .filter((ns) => !objects.some((o) => o.metadata.namespace === ns && denies(o)))
    .map((ns) => `namespace ${ns} has no default-deny NetworkPolicy`);
}

/** Deployments with more than one replica are autoscaled: an HPA or a KEDA ScaledObject targets them. */
export function autoscalerViolations(objects: readonly K8sObject[]): string[] {
  const targets = new Set(
    objects
      .filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject')
      .map((o) => {
        const ref = (o.spec as { scaleTargetRef: { kind?: string; name: string } }).scaleTargetRef;
        return `${ref.kind ?? 'Deployment'}/${ref.name}`;
      }),
  );
  return objects
    .filter((o) => o.kind === 'Deployment' && (specOf(o).replicas ?? 1) > 1 && !targets.has(id(o)))
    .map((o) => `${id(o)}: ${specOf(o).replicas} replicas and no HorizontalPodAutoscaler or ScaledObject`);
}

/** One connection: a pod (by labels, in a namespace) opening a TCP/UDP port on another. */
export interface Flow {
  readonly from: { readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly namespaceLabels?: Readonly<Record<string, string>> };
  /** `external`: an address outside the cluster (a long-term store, a receiver), which only ipBlock peers or port-only rules reach. */
  readonly to: { readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly namespaceLabels?: Readonly<Record<string, string>>; readonly external?: boolean };
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
}
interface Rule {
  ports?: { port?: number | string; protocol?: string }[];
  from?: Peer[];
  to?: Peer[];
}
interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

const matches = (selector: { matchLabels?: Record<string, string> } | undefined, labels: Readonly<Record<string, string>>): boolean =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

type End = Flow['from'];
const nsLabels = (end: End): Record<string, string> => ({ 'kubernetes.io/metadata.name': end.namespace, ...end.namespaceLabels });

/** Does a peer of a policy in `policyNs` match the pod at `end`? (Pods are not ipBlocks: an ipBlock peer matches only off-cluster traffic.) */
function peerMatches(peer: Peer, policyNs: string, end: End & { external?: boolean }): boolean {
  if (end.external) return peer.ipBlock !== undefined;
  if (peer.ipBlock) return false;
  const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, nsLabels(end)) : end.namespace === policyNs;
  const podOk = peer.podSelector ? matches(peer.podSelector, end.labels) : true;
  return nsOk && podOk;
}

function ruleAllows(rule: Rule, peers: Peer[] | undefined, policyNs: string, other: End, flow: Flow): boolean {
  const portOk = rule.ports === undefined || rule.ports.some((p) => (p.port === undefined || p.port === flow.port) && (p.protocol ?? 'TCP') === (flow.protocol ?? 'TCP'));
  const peerOk = peers === undefined || peers.length === 0 || peers.some((p) => peerMatches(p, policyNs, other));
  return portOk && peerOk;
}

/** A direction is open when no policy selects the pod for it, or one of those that do has a rule letting the flow through. */
function directionAllows(objects: readonly K8sObject[], flow: Flow, direction: 'Ingress' | 'Egress'): boolean {
  const self = direction === 'Egress' ? flow.from : flow.to;
  const other = direction === 'Egress' ? flow.to : flow.from;
  const policies = objects.filter((o) => {
    if (o.kind !== 'NetworkPolicy' || o.metadata.namespace !== self.namespace) return false;
    const spec = o.spec as PolicySpec;
    const types = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return types.includes(direction) && matches(spec.podSelector, self.labels);
  });
  if (policies.length === 0) return true;
  return policies.some((o) => {
    const spec = o.spec as PolicySpec;
    const rules = (direction === 'Egress' ? spec.egress : spec.ingress) ?? [];
    return rules.some((r) => ruleAllows(r, direction === 'Egress' ? r.to : r.from, self.namespace, other, flow));
  });
}

/** Whether the rendered NetworkPolicies let `flow` through: egress at its source and ingress at its destination. */
export function networkAllows(objects: readonly K8sObject[], flow: Flow): boolean {
  return directionAllows(objects, flow, 'Egress') && directionAllows(objects, flow, 'Ingress');
}

/** Every house rule over one rendered overlay (or overlay and component). */
export function bundleViolations(objects: readonly K8sObject[]): string[] {
  return [...workloadViolations(objects), ...labelViolations(objects), ...pdbViolations(objects), ...autoscalerViolations(objects), ...networkPolicyViolations(objects)];
}
