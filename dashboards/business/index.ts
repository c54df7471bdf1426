// A service's business dashboard: the panels its project config declares
// (ratePanel, ratioPanel, quantilePanel, gaugePanel), numbers on top and
// graphs below, in the order declared. Thresholds are those of the business
// alerts the panels name.
import { type BusinessPanel, businessDashboardUid } from '../../signals/project/business.ts';
import type { ServiceConfig } from '../../signals/project/config.ts';
import { bucket } from '../../signals/promql.ts';
import { type DashboardSettings, FOLDERS } from '../dashboard-settings.ts';
import { type KitDashboard, kitDashboard, row, serviceVariables } from '../lib/common.ts';
import type { AnyPanel } from '../lib/panels.ts';
import { gaugePanel } from './gauge.ts';
import { quantilePanel } from './quantile.ts';
import { ratePanel } from './rate.ts';
import { ratioPanel } from './ratio.ts';

export function businessPanel(p: BusinessPanel, settings: DashboardSettings): AnyPanel {
  switch (p.kind) {
    case 'rate':
      return ratePanel(p, settings);
    case 'ratio':
      return ratioPanel(p, settings);
    case 'quantile':
      return quantilePanel(p);
    case 'gauge':
      return gaugePanel(p, settings);
  }
}

/** The series a panel reads first: the service's `job` variable offers the jobs that expose it. */
function firstSeries(p: BusinessPanel): string {
  switch (p.kind) {
    case 'ratio':
      return p.bad.spec.name;
    case 'quantile':
      return bucket(p.metric.spec);
    default:
      return p.metric.spec.name;
  }
}

/** The service's "Business KPIs" dashboard, or none when it declares no panels. */
export function businessDashboard(settings: DashboardSettings, service: ServiceConfig): KitDashboard | undefined {
  const panels = service.panels ?? [];
  if (panels.length === 0) return undefined;
  const stats = panels.filter((p) => p.style === 'stat');
  const graphs = panels.filter((p) => p.style !== 'stat');
  return kitDashboard(settings, {
    uid: businessDashboardUid(service.name),
    title: `Business KPIs: ${service.name}`,
    description: `What ${service.name}'s owners watch, from the service's own metrics as its project config declares them. Thresholds are its business alerts'.`,
    folder: FOLDERS.services,
    tags: ['business', service.name],
    variables: serviceVariables(firstSeries(panels[0]!), [service.name]),
    rows: [
      ...(stats.length > 0 ? [row('At a glance', stats.map((p) => businessPanel(p, settings)))] : []),
      ...(graphs.length > 0 ? [row('Over time', graphs.map((p) => businessPanel(p, settings)))] : []),
    ],
  });
}
