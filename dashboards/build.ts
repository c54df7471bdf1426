// The one build of Grafana artefacts: dashboard JSON from the SDK builders
// and the provisioning files that load them. `npm run build:dashboards`
// writes them; test/dashboards-drift.test.ts fails when the committed files differ.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboardConfig, type DashboardConfig, type DashboardUid, type Folder } from './dashboard-settings.ts';
import { allDashboards } from './index.ts';
import { dashboardProviders, datasources, provisioningYaml } from './provisioning.ts';
import { writeGenerated } from '../toolchain/write-generated.ts';

export const DASHBOARDS_DIR = dirname(fileURLToPath(import.meta.url));
export const GENERATED_DIR = join(DASHBOARDS_DIR, 'generated');

/** Paths under dashboards/generated/, as the bundles mount them. */
export const GENERATED_PATHS = {
  /** Mount at the config's dashboardsPath (/var/lib/grafana/dashboards). */
  dashboards: 'generated/dashboards',
  /** Mount at /etc/grafana/provisioning. */
  provisioning: 'generated/provisioning',
} as const;

export interface BuiltDashboard {
  readonly uid: DashboardUid;
  readonly folder: Folder;
  /** The SDK's build() as Grafana reads it: through JSON (the SDK's objects carry methods JSON drops). */
  readonly json: Dashboard;
}

export function builtDashboards(config: DashboardConfig = dashboardConfig()): BuiltDashboard[] {
  return allDashboards(config).map((d) => ({ uid: d.uid, folder: d.folder, json: JSON.parse(JSON.stringify(d.builder.build())) as Dashboard }));
}

/** Every generated file, by path relative to dashboards/. */
export function buildDashboards(config: DashboardConfig = dashboardConfig()): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of builtDashboards(config)) {
    files.set(`${GENERATED_PATHS.dashboards}/${d.folder.dir}/${d.uid}.json`, `${JSON.stringify(d.json, null, 2)}\n`);
  }
  files.set(`${GENERATED_PATHS.provisioning}/datasources/datasources.yaml`, provisioningYaml(datasources(config)));
  files.set(`${GENERATED_PATHS.provisioning}/dashboards/dashboards.yaml`, provisioningYaml(dashboardProviders(config)));
  return files;
}


if (process.argv[1] === fileURLToPath(import.meta.url)) await writeGenerated(DASHBOARDS_DIR, buildDashboards());
