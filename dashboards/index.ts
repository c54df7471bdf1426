// Every dashboard of a project, in the order the build writes them: the
// kit's own (the SLO dashboard when a service declares SLOs), then each
// service's business dashboard when it declares panels.
import { alertsOverview } from './alerts-overview.ts';
import { businessDashboard } from './business/index.ts';
import type { DashboardSettings } from './dashboard-settings.ts';
import type { KitDashboard } from './lib/common.ts';
import { serviceOverview } from './service-overview.ts';
import { sloOverview } from './slo-overview.ts';
import { stackHealth } from './stack-health.ts';
import { kubernetesWorkloads } from './kubernetes-workloads.ts';
import { system } from './system.ts';

export function allDashboards(settings: DashboardSettings): KitDashboard[] {
  const kit = [serviceOverview(settings), system(settings), sloOverview(settings), alertsOverview(settings), stackHealth(settings), kubernetesWorkloads(settings)];
  const business = settings.alerts.services.map((s) => businessDashboard(settings, s));
  return [...kit, ...business].filter((d) => d !== undefined);
}
