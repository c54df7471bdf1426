// Every command-line flag the compose and Kubernetes bundles give Prometheus,
// Alertmanager, node-exporter and the elasticsearch-exporter is accepted by
// the real binary: each starts with the bundle's flags (addresses and paths
// moved to loopback and a temp folder, nothing else changed) and serves
// /metrics. A flag the binary no longer knows (elasticsearch-exporter 1.10
// renamed --es.ilm to --collector.ilm) stops it at flag parsing.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { K8sObject } from '../../k8s/render.ts';
import { alertmanagerCommand } from '../../stack/alertmanager.ts';
import { httpOk, startProcess } from '../../stack/processes.ts';
import { resolveTool, type ToolName } from '../../toolchain/index.ts';
import { demoProject, generateInto, renderBundle, type WrittenOutput } from '../support/bundle.ts';
import { type BundleCommand, composeCommands, type FlagChecked, k8sCommands, localArgs, MINIMAL_CONFIG } from '../support/bundle-flags.ts';
import { waitFor } from '../support/net.ts';

const TOOL: Readonly<Record<FlagChecked, ToolName>> = {
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  'node-exporter': 'node-exporter',
  'elasticsearch-exporter': 'elasticsearch-exporter',
};

let out: WrittenOutput;
let rendered: Map<string, K8sObject[]>;
let commands: BundleCommand[];
let scratch: string;
beforeAll(async () => {
  out = await generateInto(demoProject(), 'bundle-flags-');
  rendered = await renderBundle(out.k8s);
  commands = [
    ...composeCommands(await readFile(join(out.compose, 'compose.yaml'), 'utf8')),
    ...[...rendered].filter(([target]) => !target.includes('component')).flatMap(([target, objects]) => k8sCommands(target, objects)),
  ];
  scratch = await mkdtemp(join(tmpdir(), 'bundle-flags-run-'));
}, 120_000);
afterAll(async () => {
  await out?.remove();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Starts `command`'s binary with its local args; resolves with /metrics answering, or rejects with the binary's own words. */
async function serveMetrics(command: BundleCommand, extra: readonly string[] = []): Promise<void> {
  const dir = await mkdtemp(join(scratch, `${command.component}-`));
  await mkdir(join(dir, 'data'));
  const config = MINIMAL_CONFIG[command.component];
  if (config !== undefined) await writeFile(join(dir, 'config.yml'), config);
  const placed = await localArgs(command, dir);
  const bin = await resolveTool(TOOL[command.component]);
  const [cmd, args] = command.component === 'alertmanager' ? alertmanagerCommand(bin, [...placed.args, ...extra]) : [bin, [...placed.args, ...extra]];
  const proc = startProcess({ name: command.component, command: cmd, args });
  try {
    await waitFor(
      async () => {
        if (!proc.running()) throw new Error(`${command.component} exited with ${JSON.stringify(await proc.exited)}: ${proc.lastLines(5).join(' | ')}`);
        return httpOk(`http://127.0.0.1:${placed.port}/metrics`);
      },
      30_000,
      `${command.component} (${command.bundle}) did not serve /metrics with ${args.join(' ')}`,
    );
  } finally {
    await proc.stop(5_000);
  }
}

describe('the flags the bundles pass', () => {
  it('cover every flag-checked component of each bundle', () => {
    const seen = (bundle: string) => commands.filter((c) => c.bundle === bundle).map((c) => c.component).sort();
    expect(seen('compose')).toEqual(['alertmanager', 'elasticsearch-exporter', 'node-exporter', 'prometheus']);
    for (const target of [...rendered.keys()].filter((t) => !t.includes('component'))) {
      expect(seen(target), target).toEqual(target === 'node-exporter' ? ['node-exporter'] : ['alertmanager', 'elasticsearch-exporter', 'prometheus']);
    }
    expect(rendered.has('node-exporter')).toBe(true);
  });

  it('are each accepted by the real binary, which then serves /metrics', async () => {
    // One run per distinct command line: the overlays share most of theirs.
    const distinct = [...new Map(commands.map((c) => [`${c.component} ${c.args.join(' ')}`, c])).values()];
    for (const command of distinct) await serveMetrics(command);
  }, 300_000);

  it('include a removed flag nowhere: --es.ilm stops elasticsearch-exporter 1.10+ at flag parsing', async () => {
    const exporter = commands.find((c) => c.component === 'elasticsearch-exporter')!;
    expect(commands.flatMap((c) => c.args)).not.toContain('--es.ilm');
    await expect(serveMetrics(exporter, ['--es.ilm'])).rejects.toThrow(/unknown long flag '--es\.ilm'/);
  }, 60_000);
});
