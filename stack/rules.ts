// What the local stack loads in each mode. The generated rules look back 5
// minutes and wait minutes before paging, so a demo of them takes about ten
// minutes; the quick mode (the default) builds the same rules from the same
// project config with shorter `for` and windows, so an alert fires within a
// minute of a fault. No rule is written by hand in either mode.
import { join } from 'node:path';
import type { Timings } from '../alerts/alertmanager/index.ts';
import { type AlertConfig, configFor, type Environment } from '../signals/alert-settings.ts';
import { allGroups } from '../alerts/groups/index.ts';
import { recordingRules } from '../signals/recording-rules.ts';
import { ruleFile } from '../alerts/lib/compile.ts';
import type { ProjectConfig } from '../signals/project/config.ts';
import type { Duration, RuleGroup } from '../signals/rule-types.ts';
import { withShorterWindows } from '../alerts/lib/windows.ts';
import type { RulesMode } from './stack-settings.ts';

/** The quick demo's changes to the environment's rules and timings; everything else is as generated. */
export const QUICK = {
  /** Scrape and rule evaluation, instead of 15s. */
  interval: '5s',
  /** The look-back of the http-recording rules (request rate, error ratio, latency quantiles), instead of 5m. */
  window: '30s',
  /** `for` of the service alerts (error ratio, latency, target down), instead of 1m to 10m: longer than the SLO page takes, which they stand down for. */
  for: '1m',
  /** The SLO windows this many times shorter (1h reads 5m, 5m reads 25s): a one-minute fault burns like a twelve-minute one. */
  sloSpeedup: 12,
  /** How often Prometheus re-sends a firing alert, instead of 1m. */
  resendDelay: '5s',
  /** Alertmanager's wait before the first notification of a group and between updates of it, instead of 30s and 5m. */
  timings: { groupWait: '5s', groupInterval: '10s' } satisfies Partial<Timings>,
} as const;

/** Prometheus's default resend delay, kept in the generated mode. */
const GENERATED_RESEND_DELAY = '1m';

export interface StackRules {
  readonly mode: RulesMode;
  readonly env: Environment;
  /** The thresholds and runbook links the rules were built with. */
  readonly config: AlertConfig;
  readonly groups: readonly RuleGroup[];
  /** The text to write as a rule file (quick), or the file `generate` wrote, loaded as it is (generated). */
  readonly ruleFile: { readonly text: string } | { readonly path: string };
  readonly scrapeInterval: Duration;
  readonly resendDelay: Duration;
  /** Alertmanager timings over the environment's; undefined: the environment's own. */
  readonly timings: Partial<Timings> | undefined;
  /** One sentence for the banner and the README: which rules are on. */
  readonly description: string;
  /** How long the SLO page takes to reach the pager after the fault switch is flipped, and to resolve after it is cleared. */
  readonly expect: { readonly page: string; readonly resolved: string };
}

/** The rule file `generate` writes for `env` in the output folder `outDir`. */
export function generatedRuleFile(outDir: string, env: Environment): string {
  return join(outDir, 'prometheus', env, 'rules.yml');
}

/** The quick demo's alert config: the environment's thresholds, the service alerts' `for` shortened. */
export function quickConfig(project: ProjectConfig, env: Environment): AlertConfig {
  return configFor(project, env, {
    service: { errorRatio: { for: QUICK.for }, latencyP95Seconds: { for: QUICK.for }, latencyP99Seconds: { for: QUICK.for }, targetDownFor: QUICK.for },
    slo: { rehearsalSpeedup: QUICK.sloSpeedup },
  });
}

export interface StackRulesOptions {
  readonly project: ProjectConfig;
  readonly env: Environment;
  readonly mode: RulesMode;
  /** The output folder of `generate`: the generated mode loads its rule file. */
  readonly outDir?: string;
}

export function stackRules({ project, env, mode, outDir }: StackRulesOptions): StackRules {
  if (mode === 'generated') {
    if (outDir === undefined) throw new Error('the generated rules mode needs the output folder of `generate`');
    const config = configFor(project, env);
    const path = generatedRuleFile(outDir, env);
    const interval = config.stack.scrapeInterval;
    return {
      mode,
      env,
      config,
      groups: allGroups(config),
      ruleFile: { path },
      scrapeInterval: interval,
      resendDelay: GENERATED_RESEND_DELAY,
      timings: undefined,
      description: `generated rules: ${path} unchanged, scrape and evaluation every ${interval}, the ${env} Alertmanager timings`,
      expect: { page: 'in 1 to 2 minutes (the 5m window, then group_wait)', resolved: 'about 35 minutes later (the page keeps firing 30 minutes, then group_interval)' },
    };
  }
  const config = quickConfig(project, env);
  const groups = withShorterWindows(allGroups(config), recordingRules().name, '5m', QUICK.window);
  return {
    mode,
    env,
    config,
    groups,
    ruleFile: { text: ruleFile(groups, config) },
    scrapeInterval: QUICK.interval,
    resendDelay: QUICK.resendDelay,
    timings: QUICK.timings,
    description:
      `quick: the ${env} rules with \`for\` ${QUICK.for} on the service alerts, ${QUICK.window} instead of 5m windows in the ${recordingRules().name} rules and SLO windows ${QUICK.sloSpeedup} times shorter, ` +
      `scrape and evaluation every ${QUICK.interval}, Alertmanager group_wait ${QUICK.timings.groupWait} / group_interval ${QUICK.timings.groupInterval} ` +
      '(the generated mode, STACK_RULES=generated, loads the rule file of `generate` unchanged)',
    expect: { page: 'in about a minute', resolved: 'about three minutes later (the page keeps firing for 2.5 minutes)' },
  };
}
