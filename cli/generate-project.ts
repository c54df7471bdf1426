// Everything the kit generates for one project, as one map of files by path
// relative to the output folder: rules, promtool tests, Alertmanager config
// and templates, runbooks, dashboards and provisioning, then the bundles,
// which mount or copy those.
import { buildAlerts } from '../alerts/build.ts';
import { buildCompose } from '../compose/build.ts';
import { buildDashboards } from '../dashboards/build.ts';
import { buildK8s } from '../k8s/build.ts';
import type { ProjectConfig } from '../signals/project/config.ts';

export interface GenerateStep {
  readonly name: string;
  readonly files: number;
}

/** The files, in a stable order, and a count per step for the progress report. */
export function generateProject(project: ProjectConfig, onStep: (step: GenerateStep) => void = () => {}): Map<string, string> {
  const all = new Map<string, string>();
  const add = (name: string, files: ReadonlyMap<string, string>) => {
    for (const [path, text] of files) {
      if (all.has(path)) throw new Error(`two generators write ${path}`);
      all.set(path, text);
    }
    onStep({ name, files: files.size });
  };
  add('alert and recording rules, promtool tests, Alertmanager, runbooks', buildAlerts(project));
  add('Grafana dashboards and provisioning', buildDashboards(project));
  const built: ReadonlyMap<string, string> = new Map(all);
  add('compose bundle', buildCompose(project, built));
  add('Kubernetes bundle', buildK8s(project, built));
  return new Map([...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
