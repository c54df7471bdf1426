// `observability-kit stack`: Prometheus with the project's rules, Alertmanager
// with its routing and a terminal pager in place of every receiver, run on
// this machine against the project's services: each started with its
// `command`, or scraped where it already runs (`--scrape NAME=URL`).
import { settingsFromEnv } from '../../stack/stack-settings.ts';
import { runStack } from '../../stack/run.ts';
import { RULES_MODES, type RulesMode } from '../../stack/stack-settings.ts';
import { defineCommand } from '../command.ts';
import { loadConfig, UsageError } from '../load-config.ts';
import { CONFIG_OPTIONS } from './generate.ts';

/** `NAME=URL` pairs of --scrape, by service name. */
export function parseScrape(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--scrape ${pair}: give NAME=URL, e.g. --scrape orders=http://127.0.0.1:3000/metrics`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

export const stack = defineCommand({
  name: 'stack',
  usage: 'stack [--config FILE] [--env NAME] [--rules quick|generated] [--scrape NAME=URL]... [--data-dir DIR]',
  summary: 'Run Prometheus, Alertmanager and a terminal pager on this machine against your services, without Docker.',
  help: `
Options:
  -c, --config FILE      the project config (default: observability.config.{ts,mts,js,mjs} in this folder)
  -o, --out DIR          generate's output folder, read in --rules generated (default: as generate)
      --env NAME         whose thresholds and routing to load (default: the config's first environment)
      --rules MODE       quick (default): the same rules with 30 s \`for\`s and windows, so a fault pages
                         within a minute; generated: <out>/prometheus/<env>/rules.yml unchanged
      --scrape NAME=URL  scrape service NAME where it already runs instead of starting its \`command\`
                         (repeatable; a bare origin means its metricsPath there)
      --data-dir DIR     keep data and logs here (default: a new temp folder)
      --demo             the demo shop's traffic generator and fault switch (examples/demo-shop)
  -h, --help             this text

Every receiver of the project is replaced by the local pager, which prints each notification here
and keeps them in <data>/logs/pager.log. Ports: STACK_PROMETHEUS_PORT, STACK_ALERTMANAGER_PORT,
STACK_PAGER_PORT (9090, 9093, 9095). Ctrl-C stops everything.`,
  options: {
    ...CONFIG_OPTIONS,
    env: { type: 'string' },
    rules: { type: 'string' },
    scrape: { type: 'string', multiple: true },
    'data-dir': { type: 'string' },
    demo: { type: 'boolean' },
  },
  async run(values, _positionals, io) {
    const loaded = await loadConfig(io.cwd, { config: values.config as string | undefined, out: values.out as string | undefined });
    const rules = values.rules as string | undefined;
    if (rules !== undefined && !(RULES_MODES as readonly string[]).includes(rules)) throw new UsageError(`--rules ${rules}: must be one of ${RULES_MODES.join(', ')}`);
    const { trafficRps, servicePorts, ...fromEnv } = settingsFromEnv(io.env, loaded.project);
    return runStack({
      project: loaded.project,
      configFile: loaded.path,
      outDir: loaded.outDir,
      ...fromEnv,
      ...(values.env !== undefined && { env: values.env as string }),
      ...(rules !== undefined && { rules: rules as RulesMode }),
      ...(values['data-dir'] !== undefined && { dataDir: values['data-dir'] as string }),
      servicePorts,
      scrape: parseScrape((values.scrape as string[] | undefined) ?? []),
      ...(values.demo === true && { demoExtras: { trafficRps } }),
      vars: io.env,
      print: { out: io.out, err: io.err },
    });
  },
});
