// The one build of Grafana artefacts for a project: dashboard JSON from the
// SDK builders and the provisioning files that load them, as files by path
// relative to the output folder. The CLI writes them.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { ProjectConfig } from '../signals/project/config.ts';
import { type DashboardSettings, dashboardSettings, type Folder } from './dashboard-settings.ts';
import { allDashboards } from './index.ts';
import { dashboardProviders, datasources, provisioningYaml } from './provisioning.ts';

/** Where the build puts Grafana's files in the output folder, as the bundles mount them. */
export const GRAFANA_PATHS = {
  /** `<folder dir>/<uid>.json` below: mount at the settings' dashboardsPath (/var/lib/grafana/dashboards). */
  dashboards: 'grafana/dashboards',
  /** `datasources/` and `dashboards/` below: mount at /etc/grafana/provisioning. */
  provisioning: 'grafana/provisioning',
} as const;

export interface BuiltDashboard {
  readonly uid: string;
  readonly folder: Folder;
  /** The SDK's build() as Grafana reads it: through JSON (the SDK's objects carry methods JSON drops). */
  readonly json: Dashboard;
}

export function builtDashboards(settings: DashboardSettings): BuiltDashboard[] {
  return allDashboards(settings).map((d) => ({ uid: d.uid, folder: d.folder, json: JSON.parse(JSON.stringify(d.builder.build())) as Dashboard }));
}

/** Every Grafana file of the project, by path relative to the output folder. */
export function buildDashboards(project: ProjectConfig): Map<string, string> {
  const settings = dashboardSettings(project);
  const files = new Map<string, string>();
  for (const d of builtDashboards(settings)) {
    files.set(`${GRAFANA_PATHS.dashboards}/${d.folder.dir}/${d.uid}.json`, `${JSON.stringify(d.json, null, 2)}\n`);
  }
  files.set(`${GRAFANA_PATHS.provisioning}/datasources/datasources.yaml`, provisioningYaml(datasources(settings)));
  files.set(`${GRAFANA_PATHS.provisioning}/dashboards/dashboards.yaml`, provisioningYaml(dashboardProviders(settings)));
  return files;
}
