// The local stack runs the service, Prometheus and Alertmanager, not the rest
// of the bundle (Grafana, Jaeger, node-exporter, Logstash, Elasticsearch).
// The stack rules rightly report those jobs as missing after 5 minutes; a
// silence says so once in Alertmanager (its UI shows it, with this reason)
// instead of paging the laptop about components that were never there.
import type { AlertConfig } from '../signals/alert-settings.ts';
import type { RunningAlertmanager } from './alertmanager.ts';

/** Scrape jobs of the bundle that the local stack does not run. */
export function jobsNotRunHere(config: AlertConfig): string[] {
  const { prometheus: _p, alertmanager: _a, ...others } = config.stack.jobs;
  return Object.values(others);
}

export async function silenceJobsNotRunHere(am: RunningAlertmanager, config: AlertConfig): Promise<string[]> {
  const jobs = jobsNotRunHere(config);
  const now = Date.now();
  await am.postSilence({
    matchers: [{ name: config.serviceLabel, value: jobs.join('|'), isRegex: true, isEqual: true }],
    startsAt: new Date(now).toISOString(),
    endsAt: new Date(now + 7 * 24 * 3600_000).toISOString(),
    createdBy: 'the local stack',
    comment: `The local stack does not run ${jobs.join(', ')}: alerts about these jobs being down are expected here.`,
  });
  return jobs;
}
