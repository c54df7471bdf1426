// The CLI as a user drives it, in-process: help on every command, generate
// into one folder, --check reporting drift with exit 1, and config errors
// that name the field, exit 2 and leave the previous output untouched.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../cli/main.ts';
import { readTree, writeFolder } from '../../cli/output-folder.ts';

const KIT = pathToFileURL(join(import.meta.dirname, '../../signals/project/index.ts')).href;
const SPEC = pathToFileURL(join(import.meta.dirname, '../../catalog/spec.ts')).href;

/** A project config file of one service; `mutate` edits its source to make it wrong. */
function configSource(mutate: (s: string) => string = (s) => s): string {
  return mutate(`import { defineConfig, ratioAbove, series } from '${KIT}';
import { counter } from '${SPEC}';
const jobs = counter({ name: 'worker_jobs_total', help: 'Jobs by outcome.', unit: '', labels: ['outcome'], values: { outcome: ['ok', 'failed'] } });
export default defineConfig({
  name: 'tiny',
  services: [{
    name: 'worker', port: 4000, team: 'ops', image: 'example/worker:2.0.1', metrics: { jobs },
    slos: [{ kind: 'availability', objective: 0.99 }],
    alerts: [ratioAbove({
      alert: 'JobsFailing', bad: { spec: jobs, where: { outcome: ['failed'] } }, total: [jobs], threshold: 0.2, for: '5m', severity: 'warning',
      summary: 'Jobs fail.', description: '{{ $labels.job }}: {{ $value | humanizePercentage }} of jobs failed.',
      runbook: { meaning: 'Jobs fail.', impact: 'Work is late.', diagnosis: ['Read the logs.'], mitigation: ['Retry.'], escalation: 'Ops.' },
      tests: [{ name: 'quiet without jobs', series: [series(jobs, { outcome: 'ok' }, '0x10')], evalTime: '10m', expect: [] }],
    })],
  }],
  alerting: {
    runbookBaseUrl: 'https://example.com/runbooks',
    urls: { grafana: 'http://grafana:3000', prometheus: 'http://prometheus:9090', alertmanager: 'http://alertmanager:9093' },
    receivers: { oncall: { type: 'webhook', urlFile: '/etc/secrets/oncall' } },
    teams: { ops: { page: 'oncall' } },
    platformTeam: 'ops',
  },
  stack: { retention: '30d' },
});
`);
}

let dir: string;
const lines = { out: [] as string[], err: [] as string[] };
const io = () => ({ cwd: dir, env: {}, out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) });
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  lines.out = [];
  lines.err = [];
  const code = await main(argv, io());
  return { code, out: lines.out.join('\n'), err: lines.err.join('\n') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kit-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('help', () => {
  test('the overview lists every command, and no command is an error', async () => {
    const overview = await cli('--help');
    expect(overview.code).toBe(0);
    for (const c of ['init', 'generate', 'check', 'stack']) expect(overview.out).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    expect((await cli()).code).toBe(2);
  });

  test('every command answers --help with its usage and options', async () => {
    for (const c of ['init', 'generate', 'check', 'stack']) {
      const r = await cli(c, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: observability-kit ${c}`));
      expect(r.out).toContain('-h, --help');
    }
  });

  test('an unknown command or option exits 2 and says where help is', async () => {
    expect(await cli('generat')).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "generat"') });
    expect(await cli('generate', '--chek')).toMatchObject({ code: 2, err: expect.stringContaining('See `observability-kit generate --help`') });
  });
});

describe('generate', () => {
  test('writes one folder, then --check finds it up to date', async () => {
    await writeFile(join(dir, 'observability.config.ts'), configSource());
    const r = await cli('generate');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Wrote \d+ files to observability\/ \(\d+ added, 0 changed, 0 removed\):/);
    expect(r.err).toContain('alert and recording rules');
    const tree = await readTree(join(dir, 'observability'));
    expect(tree.get('prometheus/production/rules.yml')).toContain('alert: JobsFailing');
    expect(tree.get('runbooks/JobsFailing.md')).toContain('Jobs fail.');
    expect(await cli('generate', '--check')).toMatchObject({ code: 0, out: expect.stringContaining('is up to date') });
  });

  test('--check lists changed, missing and extra files and exits 1, writing nothing', async () => {
    const rules = join(dir, 'observability/prometheus/production/rules.yml');
    await writeFile(rules, `${await readFile(rules, 'utf8')}# edited by hand\n`);
    await writeFile(join(dir, 'observability/stray.yml'), 'x: 1\n');
    const r = await cli('generate', '--check');
    expect(r.code).toBe(1);
    expect(r.out).toContain('  changed observability/prometheus/production/rules.yml');
    expect(r.out).toContain('  removed observability/stray.yml');
    expect(await readFile(join(dir, 'observability/stray.yml'), 'utf8')).toBe('x: 1\n');
    expect((await cli('generate')).code).toBe(0);
    expect((await cli('generate', '--check')).code).toBe(0);
  });

  test('--out and --config choose other places', async () => {
    await mkdir(join(dir, 'conf'), { recursive: true });
    await writeFile(join(dir, 'conf/obs.config.ts'), configSource());
    const r = await cli('generate', '--config', 'conf/obs.config.ts', '--out', 'elsewhere');
    expect(r.code).toBe(0);
    expect((await readTree(join(dir, 'elsewhere'))).size).toBeGreaterThan(10);
  });

  const mistakes: [string, (s: string) => string, RegExp][] = [
    ['an alert on an unknown metric', (s) => s.replace("bad: { spec: jobs,", "bad: { spec: { ...jobs, name: 'worker_job_total' },"), /services\[0\]\.alerts\[0\]\.bad: "worker_job_total": is not one of worker's metrics/],
    ['an unknown label', (s) => s.replace("where: { outcome: ['failed'] }", "where: { result: ['failed'] }"), /services\[0\]\.alerts\[0\]\.bad\.where\.result: "result": worker_jobs_total has no such label/],
    ['a bad objective', (s) => s.replace('objective: 0.99', 'objective: 99'), /services\[0\]\.slos\[0\]\.objective: 99: must be a ratio strictly between 0 and 1/],
    ['a duplicate service', (s) => s.replace("services: [{", "services: [{ name: 'worker', port: 4001, team: 'ops', image: 'example/worker:2.0.1' }, {"), /services\[1\]\.name: "worker": two services share this name/],
    ['an SLO period longer than the retention', (s) => s.replace("retention: '30d'", "retention: '14d'"), /services\[0\]\.slos\[0\]\.period: "30d": is longer than the retention of production \(14d\)/],
  ];
  for (const [what, mutate, message] of mistakes) {
    test(`${what}: a named error, exit 2, and the previous output untouched`, async () => {
      const before = await readTree(join(dir, 'observability'));
      await writeFile(join(dir, 'observability.config.ts'), configSource(mutate));
      const r = await cli('generate');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(await readTree(join(dir, 'observability'))).toEqual(before);
      await writeFile(join(dir, 'observability.config.ts'), configSource());
    });
  }

  test('no config: exit 2 and how to make one', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'kit-cli-empty-'));
    try {
      lines.out = [];
      lines.err = [];
      const code = await main(['generate'], { ...io(), cwd: empty });
      expect(code).toBe(2);
      expect(lines.err.join('\n')).toContain('run `observability-kit init` to write one');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('the output folder is replaced atomically', () => {
  test('a write that fails half-way leaves the previous folder as it was', async () => {
    const out = join(dir, 'atomic');
    await writeFolder(out, new Map([['a.yml', 'a: 1\n']]));
    const bad = new Map([['b.yml', 'b: 2\n'], ['../escape.yml', 'x']]);
    await expect(writeFolder(out, bad)).rejects.toThrow(/outside the output folder/);
    expect(await readTree(out)).toEqual(new Map([['a.yml', 'a: 1\n']]));
    await writeFolder(out, new Map([['b.yml', 'b: 2\n']]));
    expect(await readTree(out)).toEqual(new Map([['b.yml', 'b: 2\n']]));
  });
});

describe('init', () => {
  test('writes a valid starter named after package.json, and will not overwrite it', async () => {
    const app = await mkdtemp(join(tmpdir(), 'kit-init-'));
    try {
      await writeFile(join(app, 'package.json'), JSON.stringify({ name: '@acme/Billing_API', version: '3.1.4' }));
      lines.out = [];
      expect(await main(['init', '--js'], { ...io(), cwd: app })).toBe(0);
      const text = await readFile(join(app, 'observability.config.mjs'), 'utf8');
      expect(text).toContain("name: 'billing-api'");
      expect(text).toContain("image: 'billing-api:3.1.4'");
      // The starter is valid as written: point its import at the sources and validate it.
      await writeFile(join(app, 'observability.config.mjs'), text.replace("'node-observability-kit/config'", `'${KIT}'`));
      const mod = (await import(pathToFileURL(join(app, 'observability.config.mjs')).href)) as { default: unknown };
      const { validateProject } = await import('../../signals/project/validate.ts');
      const project = validateProject(mod.default);
      expect(project.services[0]!.name).toBe('billing-api');
      // A fresh install sends nothing anywhere: no receiver of the starter has a channel that could fail.
      const { receivers } = await import('../../alerts/alertmanager/receivers.ts');
      expect(receivers(project.alerting).map((r) => Object.keys(r))).toEqual(receivers(project.alerting).map(() => ['name']));
      expect(text).not.toMatch(/^\s*[a-z]+: \{ type: '(?!none)/m);
      expect(await main(['init', '--js'], { ...io(), cwd: app })).toBe(2);
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  });
});
