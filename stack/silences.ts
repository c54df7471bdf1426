// The local stack runs the service, Prometheus and Alertmanager, not the rest
// of the bundle (Grafana, Jaeger, Logstash, Elasticsearch; node-exporter where
// the project turns it off).
// The stack rules rightly report those jobs as missing after 5 minutes; a
// silence says so once in Alertmanager (its UI shows it, with this reason)
// instead of paging the laptop about components that were never there.
import type { AlertConfig } from '../signals/alert-settings.ts';
import type { RunningAlertmanager } from './alertmanager.ts';

/** Scrape jobs of the bundle that the local stack does not run (`alsoRun`: those it runs besides Prometheus and Alertmanager). */
export function jobsNotRunHere(config: AlertConfig, alsoRun: readonly string[] = []): string[] {
  const { prometheus: _p, alertmanager: _a, ...others } = config.stack.jobs;
  return Object.values(others).filter((job) => !alsoRun.includes(job));
}

export async function silenceJobsNotRunHere(am: RunningAlertmanager, config: AlertConfig, alsoRun: readonly string[] = []): Promise<string[]> {
  const jobs = jobsNotRunHere(config, alsoRun);
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
