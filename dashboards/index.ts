// Every dashboard the kit ships, in the order the build writes them.
import { alertsOverview } from './alerts-overview.ts';
import { businessKpis } from './business-kpis.ts';
import type { DashboardConfig } from './dashboard-settings.ts';
import type { KitDashboard } from './lib/common.ts';
import { serviceOverview } from './service-overview.ts';
import { sloOverview } from './slo-overview.ts';
import { stackHealth } from './stack-health.ts';
import { system } from './system.ts';

export function allDashboards(config: DashboardConfig): KitDashboard[] {
  return [serviceOverview(config), system(config), businessKpis(config), sloOverview(config), alertsOverview(config), stackHealth(config)];
}
