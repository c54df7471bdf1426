// Runs a generated dashboard's queries against a real Prometheus the way
// Grafana would: variables resolved in order through label_values(), the
// built-in intervals at a test's resolution, every target of every panel
// through the query API. Shared by the dashboards' live test and the
// new-user test.
import type { Dashboard, Panel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';

export type PrometheusApi = <T>(path: string) => Promise<T>;

/** Grafana's built-in variables at a test's resolution (1 s scrapes, a 1-minute range of 30 points). */
export const RANGE_SECONDS = 60;
export const STEP_SECONDS = 2;
export const BUILT_INS: Readonly<Record<string, string>> = {
  // Grafana: max($__interval + scrape interval, 4 × scrape interval), widened so every window holds several scrapes.
  __rate_interval: '10s',
  __interval: `${STEP_SECONDS}s`,
  __range: `${RANGE_SECONDS}s`,
  __range_s: String(RANGE_SECONDS),
};

export type Selection = 'default' | 'first';

export interface Outcome {
  readonly key: string;
  readonly error?: string;
  readonly empty: boolean;
  readonly expr: string;
}

interface Series {
  readonly values?: readonly unknown[];
  readonly value?: unknown;
}

const enc = encodeURIComponent;
const nowSeconds = () => Date.now() / 1000;
const regexEscape = (v: string) => v.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');

export function interpolate(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const value = values[(braced ?? bare)!];
    if (value === undefined) throw new Error(`unresolved variable ${whole}`);
    return value;
  });
}

/**
 * The values of a dashboard's variables, resolved in order as Grafana does:
 * label_values(series, label) through the labels API (earlier variables
 * filled in), then the default selection (single: the first value; All: the
 * variable's allValue or every value as a regex) or the first value alone.
 * `fixed` pins variables (e.g. the datasource, or `job` to one service).
 */
export async function resolveVariables(api: PrometheusApi, d: Dashboard, selection: Selection, problems: string[], fixed: Readonly<Record<string, string>> = {}): Promise<Record<string, string>> {
  const values: Record<string, string> = { ...BUILT_INS, ...fixed };
  for (const v of (d.templating.list ?? []) as VariableModel[]) {
    if (v.type !== 'query' || fixed[v.name] !== undefined) continue;
    const query = String(v.query);
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(query);
    if (m === null) {
      problems.push(`${d.uid} › variable ${v.name}: not label_values(): ${query}`);
      continue;
    }
    const series = interpolate(m[1]!, values);
    const end = nowSeconds();
    const found = await api<string[]>(`/api/v1/label/${m[2]}/values?match[]=${enc(series)}&start=${end - RANGE_SECONDS}&end=${end}`);
    if (found.length === 0) {
      // By default every variable must offer something; a narrower selection may leave one empty (alerts of a job without instances).
      if (selection === 'default') problems.push(`${d.uid} › variable ${v.name}: label_values found nothing for ${series}`);
      values[v.name] = v.allValue ?? '';
      continue;
    }
    const sorted = [...found].sort();
    if (!v.multi) values[v.name] = sorted[0]!;
    else if (selection === 'first') values[v.name] = `(${regexEscape(sorted[0]!)})`;
    else values[v.name] = v.allValue ?? `(${sorted.map(regexEscape).join('|')})`;
  }
  return values;
}

export async function runTarget(api: PrometheusApi, expr: string, instant: boolean): Promise<{ error?: string; empty: boolean }> {
  const end = nowSeconds();
  const path = instant
    ? `/api/v1/query?query=${enc(expr)}&time=${end}`
    : `/api/v1/query_range?query=${enc(expr)}&start=${end - RANGE_SECONDS}&end=${end}&step=${STEP_SECONDS}`;
  try {
    const data = await api<{ resultType: string; result: Series[] | [number, string] }>(path);
    const empty = data.resultType === 'scalar' ? false : (data.result as Series[]).every((s) => (s.values ?? [s.value]).length === 0);
    return { empty };
  } catch (err) {
    return { error: (err as Error).message, empty: true };
  }
}

/** Every query of every panel of `d`, with the variables of `selection`. */
export async function runDashboard(api: PrometheusApi, d: Dashboard, selection: Selection, problems: string[], fixed: Readonly<Record<string, string>> = {}): Promise<Outcome[]> {
  const values = await resolveVariables(api, d, selection, problems, fixed);
  const outcomes: Outcome[] = [];
  for (const p of (d.panels ?? []) as Panel[]) {
    for (const t of (p.targets ?? []) as unknown as { refId: string; expr: string; instant?: boolean }[]) {
      const key = `${d.uid}/${p.title}`;
      let expr: string;
      try {
        expr = interpolate(t.expr, values);
      } catch (err) {
        outcomes.push({ key: `${key} [${t.refId}]`, error: (err as Error).message, empty: true, expr: t.expr });
        continue;
      }
      outcomes.push({ key: `${key} [${t.refId}]`, ...(await runTarget(api, expr, t.instant === true)), expr });
    }
  }
  return outcomes;
}
