// `observability-kit check`: proves the generated output before it ships.
// The output must equal a fresh generate; then promtool checks and unit-tests
// the rules, amtool checks every Alertmanager config, and the kit's own lints
// read the dashboards and both bundles. One report, one exit status.
import { join, relative } from 'node:path';
import { formatProblem, lintProjectDashboards } from '../checks/dashboard-lint.ts';
import { checkComposeBundle } from '../../compose/check.ts';
import { checkK8sBundle } from '../../k8s/check.ts';
import { ensureTools, toolProblems } from '../../toolchain/index.ts';
import { defineCommand, type Io } from '../command.ts';
import { generateProject } from '../generate-project.ts';
import { loadConfig } from '../load-config.ts';
import { compare, hasDrift } from '../output-folder.ts';
import { CONFIG_OPTIONS } from './generate.ts';

interface CheckResult {
  readonly name: string;
  readonly problems: readonly string[];
}

export async function runChecks(outDir: string, files: ReadonlyMap<string, string>, project: Parameters<typeof lintProjectDashboards>[0], io: Io): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const step = async (name: string, fn: () => Promise<readonly string[]>) => {
    const started = Date.now();
    const problems = await fn();
    io.err(`  ${problems.length === 0 ? 'ok  ' : 'FAIL'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    results.push({ name, problems });
  };
  const paths = [...files.keys()];
  const bins = await ensureTools(['promtool', 'amtool', 'kustomize']);
  const ruleFiles = paths.filter((p) => /^prometheus\/[^/]+\/rules\.yml$/.test(p));
  await step(`promtool check rules (${ruleFiles.length} files)`, () => toolProblems({ path: bins.promtool }, ['check', 'rules', ...ruleFiles], outDir));
  const testFiles = paths.filter((p) => /^prometheus\/tests\/rules\..+\.test\.yml$/.test(p));
  await step(`promtool test rules (${testFiles.length} files)`, () => toolProblems({ path: bins.promtool }, ['test', 'rules', ...testFiles], outDir));
  for (const am of paths.filter((p) => /^alertmanager\/[^/]+\/alertmanager\.yml$/.test(p))) {
    await step(`amtool check-config ${am}`, () => toolProblems({ path: bins.amtool }, ['check-config', am], outDir));
  }
  await step('dashboard lint', async () => lintProjectDashboards(project).map(formatProblem));
  if (paths.some((p) => p.startsWith('compose/'))) await step('compose bundle', () => checkComposeBundle(join(outDir, 'compose')));
  if (paths.some((p) => p.startsWith('k8s/'))) await step('Kubernetes bundle (kustomize, schema, policy)', () => checkK8sBundle(join(outDir, 'k8s')));
  return results;
}

export const check = defineCommand({
  name: 'check',
  usage: 'check [--config FILE] [--out DIR]',
  summary: 'Check the generated output: up to date, promtool check and unit tests, amtool, and the kit\'s dashboard, compose and Kubernetes lints.',
  help: `
Options:
  -c, --config FILE   the project config (default: observability.config.{ts,mts,js,mjs} in this folder)
  -o, --out DIR       the output folder (default: as generate)
  -h, --help          this text

promtool, amtool and kustomize are found through PROMTOOL_BIN / AMTOOL_BIN / KUSTOMIZE_BIN, then PATH,
then a cache, else fetched once from Debian's archive. Exit status 1 when anything fails.`,
  options: CONFIG_OPTIONS,
  async run(values, _positionals, io) {
    const loaded = await loadConfig(io.cwd, { config: values.config as string | undefined, out: values.out as string | undefined });
    const shown = relative(io.cwd, loaded.outDir) || '.';
    io.err(`Checking ${shown}/`);
    const files = generateProject(loaded.project);
    const drift = await compare(loaded.outDir, files);
    if (hasDrift(drift)) {
      io.out(`${shown}/ is not a fresh generate of ${relative(io.cwd, loaded.path)} (${drift.added.length} missing, ${drift.changed.length} changed, ${drift.removed.length} extra files): run \`observability-kit generate\` first.`);
      return 1;
    }
    const results = await runChecks(loaded.outDir, files, loaded.project, io);
    const failed = results.filter((r) => r.problems.length > 0);
    for (const r of failed) {
      io.out(`\n✗ ${r.name}`);
      for (const p of r.problems) io.out(p.split('\n').map((l) => `    ${l}`).join('\n'));
    }
    io.out(`\n${results.length - failed.length} of ${results.length} checks passed${failed.length > 0 ? `; ${failed.length} failed` : ''}.`);
    return failed.length > 0 ? 1 : 0;
  },
});
