// Checks a project config before anything is generated: every problem at
// once, each naming the field, the value and the fix, so a typo costs one
// round. Plain-JavaScript configs get the same checks the types give
// TypeScript users, plus what types cannot say (unique names, references,
// an SLO period that the retention keeps).
import { catalog } from '../../catalog/index.ts';
import type { MetricSpec } from '../../catalog/spec.ts';
import { DEFAULT_METRICS_PATH, DEFAULT_SLO_PERIOD, DEFAULT_STACK, environmentsOf, STACK_JOBS } from '../alert-settings.ts';
import { imageProblem, isReservedServiceName, receiverSecretFiles } from '../bundles.ts';
import { remoteWriteProblems } from '../remote-write.ts';
import { thresholdProblems } from './validate-thresholds.ts';
import { SLI_WINDOWS, seconds } from '../slo/spec.ts';
import type { BusinessAlert, BusinessPanel, MetricRef } from './business.ts';
import type { AlertingConfig, ProjectConfig } from './config.ts';

export class ProjectConfigError extends Error {
  override name = 'ProjectConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[], source = 'the project config') {
    super(`${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

const DURATION = /^\d+(?:\.\d+)?[smhdw]$/;
const SERVICE_NAME = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ALERT_NAME = /^[A-Z][A-Za-z0-9]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'missing' : JSON.stringify(v) ?? String(v));
// deno-lint-ignore no-explicit-any
const isRecord = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const LONGEST_WINDOW = Math.max(...SLI_WINDOWS.map(seconds));

/** Validates `raw` (a config module's default export) and returns it typed; throws ProjectConfigError listing every problem. */
export function validateProject(raw: unknown, source?: string): ProjectConfig {
  const problems: string[] = [];
  const bad = (field: string, value: unknown, fix: string) => problems.push(`${field}: ${show(value)}: ${fix}`);
  const duration = (field: string, v: unknown, optional = true) => {
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || !DURATION.test(v)) bad(field, v, 'must be a duration such as "30s", "5m", "1h", "30d"');
  };
  const url = (field: string, v: unknown) => {
    if (typeof v !== 'string' || !/^https?:\/\/[^/\s]+/.test(v)) bad(field, v, 'must be an http:// or https:// URL');
  };
  const filePath = (field: string, v: unknown, optional = false) => {
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || !v.startsWith('/')) bad(field, v, 'must be the absolute path of a file the deployment mounts (secrets are read from files, never written in the config)');
  };

  if (!isRecord(raw)) throw new ProjectConfigError([`the config: ${show(raw)}: export the object made by defineConfig({ ... }) as the module's default export`], source);
  // Untrusted JavaScript: every field is checked before it is used.
  // deno-lint-ignore no-explicit-any
  const c = raw as Record<string, any>;
  if (typeof c.name !== 'string' || !SERVICE_NAME.test(c.name)) bad('name', c.name, 'must be lowercase letters, digits and dashes (it names the Kubernetes namespace)');
  if (c.output !== undefined && (typeof c.output !== 'string' || c.output.startsWith('/') || c.output.split(/[\\/]/).includes('..') || c.output === '' || c.output === '.')) {
    bad('output', c.output, 'must be a folder inside the project, relative to the config file, e.g. "observability"');
  }

  // alerting
  const alerting = isRecord(c.alerting) ? c.alerting : undefined;
  const receivers = alerting && isRecord(alerting.receivers) ? alerting.receivers : {};
  const teams = alerting && isRecord(alerting.teams) ? alerting.teams : {};
  if (alerting === undefined) bad('alerting', c.alerting, 'give runbookBaseUrl, urls, receivers, teams and platformTeam');
  else {
    url('alerting.runbookBaseUrl', alerting.runbookBaseUrl);
    const urls = isRecord(alerting.urls) ? alerting.urls : {};
    for (const k of ['grafana', 'prometheus', 'alertmanager']) url(`alerting.urls.${k}`, urls[k]);
    for (const k of ['kibana', 'jaeger']) if (urls[k] !== undefined) url(`alerting.urls.${k}`, urls[k]);
    if (Object.keys(receivers).length === 0) bad('alerting.receivers', alerting.receivers, 'name at least one receiver, e.g. { oncall: { type: "pagerduty", routingKeyFile: "/etc/alertmanager/secrets/pagerduty" } }');
    for (const [name, r] of Object.entries(receivers)) {
      const f = `alerting.receivers.${name}`;
      if (name === 'null' || name === 'heartbeat') bad(f, name, '"null" and "heartbeat" are the kit\'s own receivers: choose another name');
      if (!isRecord(r)) { bad(f, r, 'must be an object with a type'); continue; }
      switch (r.type) {
        case 'pagerduty': filePath(`${f}.routingKeyFile`, r.routingKeyFile); break;
        case 'slack':
          filePath(`${f}.apiUrlFile`, r.apiUrlFile);
          if (typeof r.channel !== 'string' || !r.channel.startsWith('#')) bad(`${f}.channel`, r.channel, 'must be a channel name starting with #');
          break;
        case 'email':
          for (const k of ['to', 'from']) if (typeof r[k] !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(r[k] as string)) bad(`${f}.${k}`, r[k], 'must be an e-mail address');
          if (typeof r.smarthost !== 'string' || !/^[^:\s]+:\d+$/.test(r.smarthost)) bad(`${f}.smarthost`, r.smarthost, 'must be host:port of the SMTP relay');
          filePath(`${f}.passwordFile`, r.passwordFile, true);
          break;
        case 'webhook': filePath(`${f}.urlFile`, r.urlFile); break;
        case 'none': break;
        default: bad(`${f}.type`, r.type, 'must be one of pagerduty, slack, email, webhook, none');
      }
    }
    if (Object.keys(teams).length === 0) bad('alerting.teams', alerting.teams, 'name at least one team, e.g. { platform: { page: "oncall" } }');
    for (const [team, t] of Object.entries(teams)) {
      if (!isRecord(t)) { bad(`alerting.teams.${team}`, t, 'must be { page, ticket?, chat? } naming receivers'); continue; }
      for (const k of ['page', 'ticket', 'chat']) {
        const v = t[k];
        if (v === undefined && k !== 'page') continue;
        if (typeof v !== 'string' || receivers[v] === undefined) bad(`alerting.teams.${team}.${k}`, v, `must name a receiver of alerting.receivers (${Object.keys(receivers).join(', ') || 'none yet'})`);
      }
    }
    if (typeof alerting.platformTeam !== 'string' || teams[alerting.platformTeam] === undefined) bad('alerting.platformTeam', alerting.platformTeam, `must name a team of alerting.teams (${Object.keys(teams).join(', ') || 'none yet'})`);
    filePath('alerting.heartbeatUrlFile', alerting.heartbeatUrlFile, true);
    // Both bundles mount every secret file from one Secret, keyed by file name.
    const byName = Map.groupBy(receiverSecretFiles({ ...alerting, receivers: Object.fromEntries(Object.entries(receivers).filter(([, r]) => isRecord(r))) } as AlertingConfig).filter((f) => typeof f === 'string'), (f) => f.split('/').pop()!);
    for (const [name, files] of byName) if (files.length > 1) bad('alerting.receivers', files.join(', '), `two secret files are named ${name}: give them different file names (each is one key of the bundles' receiver Secret)`);
  }

  // stack
  const stack = isRecord(c.stack) ? c.stack : {};
  if (c.stack !== undefined && !isRecord(c.stack)) bad('stack', c.stack, 'must be an object');
  for (const k of ['logs', 'traces', 'nodeExporter'] as const) if (stack[k] !== undefined && typeof stack[k] !== 'boolean') bad(`stack.${k}`, stack[k], 'must be true or false');
  duration('stack.retention', stack.retention);
  duration('stack.scrapeInterval', stack.scrapeInterval);
  for (const k of ['ingressClass', 'ingressNamespace'] as const) {
    if (stack[k] !== undefined && (typeof stack[k] !== 'string' || !/^[a-z0-9](?:[-a-z0-9.]{0,61}[a-z0-9])?$/.test(stack[k]))) bad(`stack.${k}`, stack[k], 'must be a Kubernetes object name: lowercase letters, digits, dashes and dots');
  }
  const retentionOf = (env: string): string => {
    const e = isRecord(c.environments) && isRecord(c.environments[env]) ? c.environments[env] : {};
    return (typeof e.retention === 'string' ? e.retention : typeof stack.retention === 'string' ? stack.retention : DEFAULT_STACK.retention) as string;
  };

  // services
  const services = Array.isArray(c.services) ? (c.services as unknown[]) : [];
  if (services.length === 0) bad('services', c.services, 'list at least one service: [{ name, port, team, image }]');
  const serviceNames = new Set<string>();
  const alertNames = new Map<string, string>();
  services.forEach((s, i) => {
    const f = `services[${i}]`;
    if (!isRecord(s)) return bad(f, s, 'must be an object');
    const svc = s;
    const name = typeof svc.name === 'string' ? svc.name : `#${i}`;
    if (typeof svc.name !== 'string' || !SERVICE_NAME.test(svc.name)) bad(`${f}.name`, svc.name, 'must be lowercase letters, digits and dashes (it is the Prometheus job and the OpenTelemetry service.name)');
    else if (serviceNames.has(svc.name)) bad(`${f}.name`, svc.name, 'two services share this name: give each its own');
    else if ((Object.values(STACK_JOBS) as string[]).includes(svc.name)) bad(`${f}.name`, svc.name, 'is the scrape job of a stack component: choose another name');
    else if (isReservedServiceName(svc.name)) bad(`${f}.name`, svc.name, 'names an object of the compose or Kubernetes bundle: choose another name');
    serviceNames.add(name);
    if (!Number.isInteger(svc.port) || (svc.port as number) < 1 || (svc.port as number) > 65535) bad(`${f}.port`, svc.port, 'must be a port number from 1 to 65535');
    if (svc.metricsPath !== undefined && (typeof svc.metricsPath !== 'string' || !svc.metricsPath.startsWith('/'))) bad(`${f}.metricsPath`, svc.metricsPath, `must be a path starting with / (default ${DEFAULT_METRICS_PATH})`);
    if (typeof svc.team !== 'string' || teams[svc.team] === undefined) bad(`${f}.team`, svc.team, `must name a team of alerting.teams (${Object.keys(teams).join(', ') || 'none yet'})`);
    const image = imageProblem(typeof svc.image === 'string' ? svc.image : undefined);
    if (image !== undefined) bad(`${f}.image`, svc.image, `${image}: give the container image with an exact version, e.g. "registry.example.com/shop:1.4.2"`);
    if (svc.command !== undefined && (!Array.isArray(svc.command) || svc.command.length === 0 || svc.command.some((a) => typeof a !== 'string'))) bad(`${f}.command`, svc.command, 'must be a non-empty list of strings, e.g. ["node", "src/server.ts"]');

    const metrics = isRecord(svc.metrics) ? (svc.metrics as Record<string, unknown>) : {};
    if (svc.metrics !== undefined && !isRecord(svc.metrics)) bad(`${f}.metrics`, svc.metrics, 'must be the object of metric specs the app passes to defineMetrics()');
    const specs = new Map<string, MetricSpec>();
    for (const [key, spec] of Object.entries(metrics)) {
      if (!isRecord(spec) || typeof spec.name !== 'string' || !['counter', 'gauge', 'histogram'].includes(spec.type as string) || !Array.isArray(spec.labels)) {
        bad(`${f}.metrics.${key}`, spec, 'must be a spec made by counter(), gauge() or histogram()');
        continue;
      }
      if (!METRIC_NAME.test(spec.name)) bad(`${f}.metrics.${key}.name`, spec.name, 'is not a Prometheus metric name');
      specs.set(spec.name, spec as unknown as MetricSpec);
    }
    const checkRef = (field: string, ref: unknown, kinds: readonly MetricSpec['type'][]): MetricRef | undefined => {
      if (!isRecord(ref) || !isRecord(ref.spec)) { bad(field, ref, `must reference one of ${name}'s metric specs (services[${i}].metrics)`); return undefined; }
      const r = ref as unknown as MetricRef;
      const known = specs.get(r.spec.name);
      if (known === undefined) { bad(field, r.spec.name, `is not one of ${name}'s metrics (${[...specs.keys()].join(', ') || 'none declared'}): add its spec to services[${i}].metrics`); return undefined; }
      if (!kinds.includes(known.type)) bad(field, r.spec.name, `is a ${known.type}; this needs a ${kinds.join(' or ')}`);
      for (const l of Object.keys(r.where ?? {})) if (!known.labels.includes(l)) bad(`${field}.where.${l}`, l, `${r.spec.name} has no such label (it has ${known.labels.join(', ') || 'none'})`);
      return r;
    };
    const checkBy = (field: string, by: unknown, refs: readonly (MetricRef | undefined)[]) => {
      if (!Array.isArray(by)) return;
      for (const l of by) for (const r of refs) if (r && !r.spec.labels.includes(l)) bad(field, l, `${r.spec.name} has no such label (it has ${r.spec.labels.join(', ') || 'none'})`);
    };

    const slos = Array.isArray(svc.slos) ? svc.slos : svc.slos === undefined ? [] : (bad(`${f}.slos`, svc.slos, 'must be a list'), []);
    const sloKinds = new Set<string>();
    slos.forEach((slo, j) => {
      const g = `${f}.slos[${j}]`;
      if (!isRecord(slo)) return bad(g, slo, 'must be { kind, objective, ... }');
      if (slo.kind !== 'availability' && slo.kind !== 'latency') return bad(`${g}.kind`, slo.kind, 'must be "availability" or "latency"');
      const key = `${slo.kind}:${String(slo.thresholdSeconds)}:${JSON.stringify(slo.routes ?? null)}`;
      if (sloKinds.has(key)) bad(g, slo.kind, 'the same SLO is declared twice for this service');
      sloKinds.add(key);
      if (typeof slo.objective !== 'number' || !(slo.objective > 0 && slo.objective < 1)) bad(`${g}.objective`, slo.objective, 'must be a ratio strictly between 0 and 1, e.g. 0.999 for 99.9%');
      if (slo.kind === 'latency') {
        const buckets = catalog.http.requestDuration.buckets;
        if (typeof slo.thresholdSeconds !== 'number' || !buckets.includes(slo.thresholdSeconds)) bad(`${g}.thresholdSeconds`, slo.thresholdSeconds, `must be a bucket boundary of ${catalog.http.requestDuration.name}: ${buckets.join(', ')}`);
      } else if (slo.thresholdSeconds !== undefined) bad(`${g}.thresholdSeconds`, slo.thresholdSeconds, 'only latency SLOs have a threshold');
      duration(`${g}.period`, slo.period);
      const period = typeof slo.period === 'string' && DURATION.test(slo.period) ? slo.period : DEFAULT_SLO_PERIOD;
      if (seconds(period as never) <= LONGEST_WINDOW) bad(`${g}.period`, period, `must be longer than the longest burn-rate window (3d), e.g. "28d" or "30d"`);
      for (const env of environmentsOf(c as ProjectConfig)) {
        const retention = retentionOf(env);
        if (DURATION.test(retention) && seconds(period as never) > seconds(retention as never)) {
          bad(`${g}.period`, period, `is longer than the retention of ${env} (${retention}): Prometheus would read the budget from less data than the period; raise ${env === 'production' && c.environments === undefined ? 'stack.retention' : `environments.${env}.retention or stack.retention`} to at least ${period}, or shorten the period`);
        }
      }
      if (slo.routes !== undefined && (!Array.isArray(slo.routes) || slo.routes.length === 0 || slo.routes.some((r) => typeof r !== 'string' || !r.startsWith('/')))) {
        bad(`${g}.routes`, slo.routes, 'must be a non-empty list of Express route templates such as "/api/:version/orders"');
      }
    });

    const alerts = Array.isArray(svc.alerts) ? svc.alerts : svc.alerts === undefined ? [] : (bad(`${f}.alerts`, svc.alerts, 'must be a list of ratioAbove(), rateDropsWeekOverWeek() or gaugeGrowing()'), []);
    alerts.forEach((a, j) => {
      const g = `${f}.alerts[${j}]`;
      if (!isRecord(a)) return bad(g, a, 'must be made by ratioAbove(), rateDropsWeekOverWeek() or gaugeGrowing()');
      const al = a as unknown as BusinessAlert;
      if (typeof al.alert !== 'string' || !ALERT_NAME.test(al.alert)) bad(`${g}.alert`, al.alert, 'must be a CamelCase name such as "OrderFailureRatioHigh"');
      else if (alertNames.has(al.alert)) bad(`${g}.alert`, al.alert, `is already the name of an alert of ${alertNames.get(al.alert)}: alert names are unique in the project`);
      else alertNames.set(al.alert, name);
      if (al.severity !== 'critical' && al.severity !== 'warning') bad(`${g}.severity`, al.severity, 'must be "critical" (pages) or "warning" (ticket)');
      duration(`${g}.for`, al.for, false);
      duration(`${g}.window`, al.window, false);
      if (typeof al.summary !== 'string' || !/\.$/.test(al.summary)) bad(`${g}.summary`, al.summary, 'must be one static sentence ending with a period');
      if (!isRecord(al.runbook) || typeof al.runbook.meaning !== 'string' || typeof al.runbook.impact !== 'string' || !Array.isArray(al.runbook.diagnosis) || !Array.isArray(al.runbook.mitigation) || typeof al.runbook.escalation !== 'string') {
        bad(`${g}.runbook`, al.runbook === undefined ? undefined : 'incomplete', 'must give meaning, impact, diagnosis[], mitigation[] and escalation');
      }
      let refs: (MetricRef | undefined)[] = [];
      switch (al.kind) {
        case 'ratio-above':
          refs = [checkRef(`${g}.bad`, al.bad, ['counter']), ...(Array.isArray(al.total) ? al.total.map((t, k) => checkRef(`${g}.total[${k}]`, t, ['counter'])) : [])];
          if (!(al.threshold > 0 && al.threshold < 1)) bad(`${g}.threshold`, al.threshold, 'a ratio threshold is between 0 and 1, e.g. 0.1 for 10%');
          break;
        case 'rate-drops-week-over-week':
          refs = [checkRef(`${g}.metric`, al.metric, ['counter'])];
          if (!(al.threshold > 0 && al.threshold < 1)) bad(`${g}.threshold`, al.threshold, 'the share of last week\'s rate below which it fires, between 0 and 1, e.g. 0.5');
          break;
        case 'gauge-growing':
          refs = [checkRef(`${g}.metric`, al.metric, ['gauge'])];
          if (!(typeof al.threshold === 'number' && al.threshold > 0)) bad(`${g}.threshold`, al.threshold, 'the growth per hour above which it fires, a positive number');
          break;
        default:
          bad(`${g}.kind`, (al as { kind?: unknown }).kind, 'build the alert with ratioAbove(), rateDropsWeekOverWeek() or gaugeGrowing()');
      }
      checkBy(`${g}.by`, al.by, refs);
      const tests = Array.isArray(al.tests) ? al.tests : [];
      if (tests.length === 0) bad(`${g}.tests`, al.tests, 'give at least one promtool test case: one that fires, ideally one that stays quiet');
      tests.forEach((t, k) => {
        const h = `${g}.tests[${k}]`;
        if (!isRecord(t)) return bad(h, t, 'must be { name, series, evalTime, expect }');
        duration(`${h}.evalTime`, t.evalTime, false);
        if (!Array.isArray(t.series) || t.series.length === 0) bad(`${h}.series`, t.series, 'give the input series, made with series(spec, labels, values)');
        else t.series.forEach((s2, m) => {
          const r = checkRef(`${h}.series[${m}]`, s2, ['counter', 'gauge', 'histogram']);
          if (r) for (const l of Object.keys((s2 as { labels?: object }).labels ?? {})) if (!r.spec.labels.includes(l)) bad(`${h}.series[${m}].labels.${l}`, l, `${r.spec.name} has no such label (it has ${r.spec.labels.join(', ') || 'none'})`);
        });
        if (!Array.isArray(t.expect)) bad(`${h}.expect`, t.expect, 'list the alerts that fire at evalTime ([] for none)');
        else t.expect.forEach((e, m) => { if (!isRecord(e) || typeof e.description !== 'string') bad(`${h}.expect[${m}].description`, isRecord(e) ? e.description : e, 'give the description the alert renders: promtool compares annotations exactly'); });
      });
    });

    const panels = Array.isArray(svc.panels) ? svc.panels : svc.panels === undefined ? [] : (bad(`${f}.panels`, svc.panels, 'must be a list of ratePanel(), ratioPanel(), quantilePanel() or gaugePanel()'), []);
    panels.forEach((p, j) => {
      const g = `${f}.panels[${j}]`;
      if (!isRecord(p)) return bad(g, p, 'must be made by ratePanel(), ratioPanel(), quantilePanel() or gaugePanel()');
      const panel = p as unknown as BusinessPanel;
      if (typeof panel.title !== 'string' || panel.title === '') bad(`${g}.title`, panel.title, 'give the panel a title');
      if (typeof panel.description !== 'string' || panel.description === '') bad(`${g}.description`, panel.description, 'say what the panel shows and how to read it');
      let refs: (MetricRef | undefined)[] = [];
      switch (panel.kind) {
        case 'rate': refs = [checkRef(`${g}.metric`, panel.metric, ['counter'])]; break;
        case 'ratio': refs = [checkRef(`${g}.bad`, panel.bad, ['counter']), ...panel.total.map((t, k) => checkRef(`${g}.total[${k}]`, t, ['counter']))]; break;
        case 'quantile':
          refs = [checkRef(`${g}.metric`, panel.metric, ['histogram'])];
          if (!Array.isArray(panel.quantiles) || panel.quantiles.some((q) => !(q > 0 && q < 1))) bad(`${g}.quantiles`, panel.quantiles, 'must be quantiles strictly between 0 and 1, e.g. [0.5, 0.95]');
          break;
        case 'gauge': refs = [checkRef(`${g}.metric`, panel.metric, ['gauge'])]; break;
        default: bad(`${g}.kind`, (panel as { kind?: unknown }).kind, 'build the panel with ratePanel(), ratioPanel(), quantilePanel() or gaugePanel()');
      }
      checkBy(`${g}.by`, panel.by, refs);
    });
  });

  for (const p of thresholdProblems('thresholds', c.thresholds)) bad(p.field, p.value, p.fix);

  // environments
  if (c.environments !== undefined) {
    if (!isRecord(c.environments)) bad('environments', c.environments, 'must map environment names to their overrides, e.g. { production: {}, staging: { retention: "15d" } }');
    else for (const [env, e] of Object.entries(c.environments)) {
      const f = `environments.${env}`;
      if (!SERVICE_NAME.test(env)) bad(f, env, 'an environment name is lowercase letters, digits and dashes');
      if (!isRecord(e)) { bad(f, e, 'must be an object of overrides ({} for none)'); continue; }
      duration(`${f}.retention`, e.retention);
      for (const p of thresholdProblems(`${f}.thresholds`, e.thresholds)) bad(p.field, p.value, p.fix);
      if (e.highAvailability !== undefined && typeof e.highAvailability !== 'boolean') bad(`${f}.highAvailability`, e.highAvailability, 'must be true or false');
      for (const p of remoteWriteProblems(`${f}.remoteWrite`, e.remoteWrite)) bad(p.field, p.value, p.fix);
      if (e.namespace !== undefined && (typeof e.namespace !== 'string' || !/^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/.test(e.namespace))) {
        bad(`${f}.namespace`, e.namespace, 'must be a Kubernetes namespace name: lowercase letters, digits and dashes, at most 63');
      }
      for (const [svc, n] of Object.entries(isRecord(e.replicas) ? e.replicas : {})) {
        if (!serviceNames.has(svc)) bad(`${f}.replicas.${svc}`, svc, `is not a service of this project (${[...serviceNames].join(', ')})`);
        if (!Number.isInteger(n) || (n as number) < 1) bad(`${f}.replicas.${svc}`, n, 'must be a whole number of at least 1');
      }
      for (const [name, o] of Object.entries(isRecord(e.alerts) ? e.alerts : {})) {
        if (!alertNames.has(name)) bad(`${f}.alerts.${name}`, name, `is not a business alert of this project (${[...alertNames.keys()].join(', ') || 'none'})`);
        if (isRecord(o)) duration(`${f}.alerts.${name}.for`, o.for);
      }
    }
  }

  if (problems.length > 0) throw new ProjectConfigError(problems, source);
  return c as ProjectConfig;
}
