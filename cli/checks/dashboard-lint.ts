// Our own lint of dashboard JSON (what the SDK's build() returns): the
// conventions of DESIGN.md as checks, each problem naming the dashboard, the
// panel and the field. Grafana does not run here, so this is what stands
// between a typo and a blank panel at 3 a.m. A query may name what the
// project's Prometheus will hold: the library's metrics, the services' own
// (their `metrics` in the project config), the recorded series and alerts of
// the project's rules, and the stack's metrics.
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { allSpecs, catalog, type MetricSpec } from '../../catalog/index.ts';
import { allGroups } from '../../alerts/groups/index.ts';
import { builtDashboards } from '../../dashboards/build.ts';
import { DASHBOARD_UIDS, type DashboardSettings, dashboardSettings } from '../../dashboards/dashboard-settings.ts';
import { DATASOURCE_REF, DATASOURCE_VAR } from '../../dashboards/lib/panels.ts';
import { RATE_INTERVAL } from '../../dashboards/lib/promql.ts';
import { businessDashboardUid } from '../../signals/project/business.ts';
import type { ProjectConfig } from '../../signals/project/config.ts';
import { bucket, metricNames, rangeFunctionWindows } from '../../signals/promql.ts';
import { isAlert } from '../../signals/rule-types.ts';
import { stackMetricNames } from '../../signals/stack-metrics.ts';

export interface Problem {
  readonly dashboard: string;
  /** `#<id> "<title>"`, absent for dashboard-level problems. */
  readonly panel?: string;
  /** JSON path of the offending field, e.g. `targets[A].expr`. */
  readonly field: string;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.dashboard}${p.panel ? ` › panel ${p.panel}` : ''} › ${p.field}: ${p.message}`;
}

/** What the dashboards may name: series the catalog and the services expose, recorded series, alert names, the stack's metrics; and their uids. */
export interface LintContext {
  readonly settings: DashboardSettings;
  readonly metrics: ReadonlySet<string>;
  readonly alertNames: ReadonlySet<string>;
  /** The kit's dashboards and one business dashboard per service. */
  readonly uids: ReadonlySet<string>;
}

/** The series Prometheus stores for a spec: histograms as _bucket/_sum/_count, counters and histograms with _created. */
export function exposedSeries(spec: MetricSpec): string[] {
  if (spec.type === 'histogram') return ['_bucket', '_sum', '_count', '_created'].map((s) => `${spec.name}${s}`);
  if (spec.type === 'counter') return [spec.name, `${spec.name.replace(/_total$/, '')}_created`];
  return [spec.name];
}

/** What the dashboards built with `settings` may name: its project's metrics, rules and uids. */
export function lintContext(settings: DashboardSettings): LintContext {
  const services = settings.alerts.services;
  const serviceSpecs = services.flatMap((s) => Object.values(s.metrics ?? {}));
  const rules = allGroups(settings.alerts).flatMap((g) => g.rules);
  const recorded = rules.flatMap((r) => (isAlert(r) ? [] : [r.record]));
  return {
    settings,
    metrics: new Set([...[...allSpecs(), ...serviceSpecs].flatMap(exposedSeries), ...recorded, ...stackMetricNames()]),
    alertNames: new Set(rules.filter(isAlert).map((r) => r.alert)),
    uids: new Set([...Object.values(DASHBOARD_UIDS), ...services.map((s) => businessDashboardUid(s.name))]),
  };
}

/** Builds the project's dashboards and lints them: what `check` reports. */
export function lintProjectDashboards(project: ProjectConfig): Problem[] {
  const settings = dashboardSettings(project);
  return lintDashboards(
    builtDashboards(settings).map((d) => d.json),
    lintContext(settings),
  );
}

/** Panels that read no PromQL: they have no targets and no unit. */
const NO_QUERY_TYPES = new Set(['alertlist', 'text', 'row']);
const UID = /^[a-z0-9][a-z0-9-]{0,39}$/;
const HARD_CODED = /\b(job|instance)\s*(=~|!~|!=|=)\s*"([^"]*)"/g;
const DATASOURCE_UID = DATASOURCE_REF.uid;

interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly exemplar?: boolean;
  readonly datasource?: { readonly uid?: string; readonly type?: string };
}

const panelName = (p: Panel | RowPanel) => `#${p.id ?? '?'} "${p.title ?? ''}"`;

/** Problems in one PromQL expression: variables, windows, names. */
function lintExpr(expr: string, ctx: LintContext): string[] {
  const problems: string[] = [];
  for (const m of expr.matchAll(HARD_CODED)) {
    if (m[3] !== `$${m[1]}`) problems.push(`hard-coded ${m[1]} matcher ${m[0]} (use ${m[1]}=~"$${m[1]}")`);
  }
  for (const { fn, window } of rangeFunctionWindows(expr)) {
    if (window !== RATE_INTERVAL) problems.push(`${fn}() over [${window ?? '?'}] instead of [${RATE_INTERVAL}]`);
  }
  for (const name of metricNames(expr)) {
    if (!ctx.metrics.has(name)) problems.push(`unknown metric ${name}: not in the kit's catalog, any service's metrics, the recording rules or the stack's known metrics (a service's own metric: add its spec to the service's \`metrics\` in the project config)`);
  }
  for (const m of expr.matchAll(/\balertname\s*=\s*"([^"]*)"/g)) {
    if (!ctx.alertNames.has(m[1]!)) problems.push(`unknown alert ${m[1]}: no alerting rule has that name`);
  }
  return problems;
}

function lintVariables(d: Dashboard, ctx: LintContext, problem: (field: string, message: string) => void): void {
  const vars: VariableModel[] = d.templating?.list ?? [];
  const ds = vars.find((v) => v.name === DATASOURCE_VAR);
  if (ds === undefined || ds.type !== 'datasource' || ds.query !== 'prometheus') {
    problem(`templating.${DATASOURCE_VAR}`, `no datasource variable "${DATASOURCE_VAR}" of type datasource for prometheus`);
  }
  const queryOf = (v: VariableModel) => (typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query);
  for (const name of ['job', 'instance']) {
    const v = vars.find((x) => x.name === name);
    if (v === undefined || v.type !== 'query' || !queryOf(v)?.startsWith('label_values(')) problem(`templating.${name}`, `no ${name} variable from label_values(...)`);
  }
  for (const v of vars.filter((x) => x.type === 'query')) {
    if (v.datasource?.uid !== DATASOURCE_UID) problem(`templating.${v.name}.datasource`, `not the datasource variable (${JSON.stringify(v.datasource)})`);
    const series = /^label_values\((.*),\s*\w+\)$/.exec(queryOf(v) ?? '')?.[1] ?? '';
    for (const name of metricNames(series)) if (!ctx.metrics.has(name)) problem(`templating.${v.name}.query`, `unknown metric ${name}`);
  }
}

function lintLinks(d: Dashboard, ctx: LintContext, problem: (field: string, message: string) => void): void {
  const links = d.links ?? [];
  if (!links.some((l) => l.type === 'dashboards' && l.keepTime && l.includeVars)) problem('links', 'no link to the other dashboards that keeps time and variables');
  const { logs, traces } = ctx.settings;
  const expected = { ...(logs && { kibana: logs.publicUrl }), ...(traces && { jaeger: traces.publicUrl }) };
  for (const [what, base] of Object.entries(expected)) {
    if (!links.some((l) => l.url?.startsWith(base))) problem('links', `no link to ${what} (${base})`);
  }
}

function lintPanel(p: Panel | RowPanel, ctx: LintContext, problem: (field: string, message: string) => void): void {
  if (p.type === 'row') return;
  const panel = p as Panel;
  if (!panel.description?.trim()) problem('description', 'missing');
  const targets = (panel.targets ?? []) as Target[];
  if (NO_QUERY_TYPES.has(panel.type)) {
    if (targets.length > 0) problem('targets', `a ${panel.type} panel runs no queries`);
    return;
  }
  if (targets.length === 0) problem('targets', 'no queries');
  if (!panel.fieldConfig?.defaults?.unit) problem('fieldConfig.defaults.unit', 'missing');
  if (panel.datasource?.uid !== DATASOURCE_UID) problem('datasource', `not the datasource variable (${JSON.stringify(panel.datasource)})`);
  const refIds = new Set<string>();
  targets.forEach((t, i) => {
    const at = `targets[${t.refId ?? i}]`;
    if (t.refId === undefined || refIds.has(t.refId)) problem(`${at}.refId`, 'missing or repeated');
    else refIds.add(t.refId);
    if (t.datasource?.uid !== DATASOURCE_UID) problem(`${at}.datasource`, `not the datasource variable (${JSON.stringify(t.datasource)})`);
    if (!t.expr?.trim()) {
      problem(`${at}.expr`, 'empty');
      return;
    }
    for (const message of lintExpr(t.expr, ctx)) problem(`${at}.expr`, message);
    if (panel.type === 'timeseries' && t.expr.includes(bucket(catalog.http.requestDuration)) && !t.exemplar) {
      problem(`${at}.exemplar`, 'a latency graph without exemplars: nothing links to the traces');
    }
  });
}

/** Every problem of one dashboard. */
export function lintDashboard(d: Dashboard, ctx: LintContext): Problem[] {
  const name = d.uid ?? d.title ?? '?';
  const problems: Problem[] = [];
  const at = (panel?: string) => (field: string, message: string) => problems.push({ dashboard: name, ...(panel && { panel }), field, message });
  const top = at();
  if (!d.uid || !UID.test(d.uid)) top('uid', `missing or not a stable slug: ${JSON.stringify(d.uid)}`);
  else if (!ctx.uids.has(d.uid)) top('uid', `not one of the project's dashboard uids (${[...ctx.uids].join(', ')})`);
  if (!d.title?.trim()) top('title', 'missing');
  if (!d.description?.trim()) top('description', 'missing');
  if (!d.tags?.includes(ctx.settings.tag)) top('tags', `missing the project's tag ${ctx.settings.tag}`);
  lintVariables(d, ctx, top);
  lintLinks(d, ctx, top);
  const ids = new Set<number>();
  for (const p of d.panels ?? []) {
    if (p.id === undefined) top('panels', `panel "${p.title ?? ''}" has no id`);
    else if (ids.has(p.id)) top('panels', `panel id ${p.id} is used twice`);
    else ids.add(p.id);
    lintPanel(p, ctx, at(panelName(p)));
  }
  return problems;
}

/** Every problem of a set of dashboards, uids unique across them. */
export function lintDashboards(dashboards: readonly Dashboard[], ctx: LintContext): Problem[] {
  const problems = dashboards.flatMap((d) => lintDashboard(d, ctx));
  const seen = new Set<string>();
  for (const d of dashboards) {
    if (d.uid === undefined) continue;
    if (seen.has(d.uid)) problems.push({ dashboard: d.uid, field: 'uid', message: 'used by another dashboard too' });
    seen.add(d.uid);
  }
  return problems;
}
