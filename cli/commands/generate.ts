// `observability-kit generate`: writes every generated file for the user's
// services into one folder; `--check` compares instead and fails on drift.
import { relative } from 'node:path';
import { defineCommand, progress } from '../command.ts';
import { generateProject } from '../generate-project.ts';
import { loadConfig } from '../load-config.ts';
import { compare, hasDrift, writeFolder } from '../output-folder.ts';

export const CONFIG_OPTIONS = {
  config: { type: 'string', short: 'c' },
  out: { type: 'string', short: 'o' },
} as const;

export const generate = defineCommand({
  name: 'generate',
  usage: 'generate [--config FILE] [--out DIR] [--check]',
  summary: 'Generate rules, Alertmanager config, runbooks, dashboards and the compose and Kubernetes bundles from the project config.',
  help: `
Options:
  -c, --config FILE   the project config (default: observability.config.{ts,mts,js,mjs} in this folder)
  -o, --out DIR       the output folder (default: the config's \`output\`, else observability/ beside the config)
      --check         write nothing; list the files a fresh generate would add, change or remove,
                      and exit 1 if there are any (for CI)
  -h, --help          this text

The output folder is replaced as a whole, atomically: files you add there by hand are removed,
and a failed run leaves the previous output untouched. Commit it; run \`generate --check\` in CI.`,
  options: { ...CONFIG_OPTIONS, check: { type: 'boolean' } },
  async run(values, _positionals, io) {
    const loaded = await loadConfig(io.cwd, { config: values.config as string | undefined, out: values.out as string | undefined });
    const shown = relative(io.cwd, loaded.outDir) || '.';
    io.err(`${values.check ? 'Checking' : 'Generating'} ${shown}/ from ${relative(io.cwd, loaded.path)}`);
    const files = generateProject(loaded.project, (s) => progress(io, `${s.name}: ${s.files} files`));
    const drift = await compare(loaded.outDir, files);
    if (values.check) {
      if (!hasDrift(drift)) {
        io.out(`${shown}/ is up to date (${files.size} files).`);
        return 0;
      }
      io.out(`${shown}/ differs from a fresh generate:`);
      for (const [what, list] of [['added', drift.added], ['changed', drift.changed], ['removed', drift.removed]] as const) {
        for (const path of list) io.out(`  ${what.padEnd(8)}${shown}/${path}`);
      }
      io.out('Run `observability-kit generate` and commit the result.');
      return 1;
    }
    await writeFolder(loaded.outDir, files);
    const byTop = Map.groupBy([...files.keys()], (p) => p.split('/')[0]!);
    io.out(`Wrote ${files.size} files to ${shown}/ (${drift.added.length} added, ${drift.changed.length} changed, ${drift.removed.length} removed):`);
    for (const [top, paths] of byTop) io.out(`  ${`${shown}/${top}/`.padEnd(30)} ${paths.length} files`);
    return 0;
  },
});
