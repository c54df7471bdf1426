// The tools the kit runs, and for each: its override variable, the names it
// has on PATH, the Debian package that ships it, the versions it accepts and
// how a user installs it by hand.

export type ToolName = 'prometheus' | 'promtool' | 'alertmanager' | 'amtool' | 'kustomize' | 'node-exporter' | 'elasticsearch-exporter';

export const TOOL_NAMES: readonly ToolName[] = ['prometheus', 'promtool', 'alertmanager', 'amtool', 'kustomize', 'node-exporter', 'elasticsearch-exporter'];

/** A release as a tool reports it: major and minor to compare, the text to show. */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly text: string;
}

export interface ToolSpec {
  readonly env: string;
  /** Names to look for on PATH; Debian calls alertmanager `prometheus-alertmanager`. */
  readonly pathNames: readonly string[];
  /** Debian package and the binary it ships under usr/bin. */
  readonly pkg: string;
  readonly debBin: string;
  /** Human form of the accepted versions, used in notes and hints. */
  readonly wanted: string;
  readonly accepts: (v: Version) => boolean;
  readonly hint: string;
  /** How to ask the binary for its version; default `--version` (kingpin's "name, version X.Y.Z"). */
  readonly versionArgs?: readonly string[];
}

const DOWNLOAD_PAGE = 'https://prometheus.io/download/';
// Prometheus 3 changed rule/flag semantics the tests rely on; promtool must match it.
const prom3 = (v: Version): boolean => v.major === 3;
// Alertmanager is still 0.x; the config format the tests use is stable across 0.2x-0.3x.
const am0 = (v: Version): boolean => v.major === 0 && v.minor >= 20 && v.minor < 40;
// kustomize 5 is the release line `kubectl kustomize` embeds; the overlays use its components and labels syntax.
const kustomize5 = (v: Version): boolean => v.major === 5;
// The exporters the bundles run: their flags are what the tests hold the bundles' command lines to.
const nodeExporter1 = (v: Version): boolean => v.major === 1;
const esExporter1 = (v: Version): boolean => v.major === 1 && v.minor >= 10;

export const SPECS: Record<ToolName, ToolSpec> = {
  prometheus: {
    env: 'PROMETHEUS_BIN',
    pathNames: ['prometheus'],
    pkg: 'prometheus',
    debBin: 'prometheus',
    wanted: '3.x',
    accepts: prom3,
    hint: `set PROMETHEUS_BIN=/path/to/prometheus, or put prometheus 3.x on PATH (Homebrew: brew install prometheus; release tarballs: ${DOWNLOAD_PAGE})`,
  },
  promtool: {
    env: 'PROMTOOL_BIN',
    pathNames: ['promtool'],
    pkg: 'promtool',
    debBin: 'promtool',
    wanted: '3.x',
    accepts: prom3,
    hint: `set PROMTOOL_BIN=/path/to/promtool, or put promtool 3.x on PATH (it ships with Prometheus; Homebrew: brew install prometheus; release tarballs: ${DOWNLOAD_PAGE})`,
  },
  alertmanager: {
    env: 'ALERTMANAGER_BIN',
    pathNames: ['alertmanager', 'prometheus-alertmanager'],
    pkg: 'prometheus-alertmanager',
    debBin: 'prometheus-alertmanager',
    wanted: '0.2x/0.3x',
    accepts: am0,
    hint: `set ALERTMANAGER_BIN=/path/to/alertmanager, or put alertmanager 0.2x/0.3x on PATH (Homebrew: brew install alertmanager; release tarballs: ${DOWNLOAD_PAGE}#alertmanager)`,
  },
  amtool: {
    env: 'AMTOOL_BIN',
    pathNames: ['amtool'],
    pkg: 'prometheus-alertmanager',
    debBin: 'amtool',
    wanted: '0.2x/0.3x',
    accepts: am0,
    hint: `set AMTOOL_BIN=/path/to/amtool, or put amtool 0.2x/0.3x on PATH (it ships with Alertmanager; Homebrew: brew install alertmanager; release tarballs: ${DOWNLOAD_PAGE}#alertmanager)`,
  },
  kustomize: {
    env: 'KUSTOMIZE_BIN',
    pathNames: ['kustomize'],
    pkg: 'kustomize',
    debBin: 'kustomize',
    wanted: '5.x',
    accepts: kustomize5,
    hint: 'set KUSTOMIZE_BIN=/path/to/kustomize, or put kustomize 5.x on PATH (Homebrew: brew install kustomize; release binaries: https://github.com/kubernetes-sigs/kustomize/releases)',
    versionArgs: ['version'],
  },
  'node-exporter': {
    env: 'NODE_EXPORTER_BIN',
    pathNames: ['node_exporter', 'prometheus-node-exporter'],
    pkg: 'prometheus-node-exporter',
    debBin: 'prometheus-node-exporter',
    wanted: '1.x',
    accepts: nodeExporter1,
    hint: `set NODE_EXPORTER_BIN=/path/to/node_exporter, or put node_exporter 1.x on PATH (Homebrew: brew install node_exporter; release tarballs: ${DOWNLOAD_PAGE}#node_exporter)`,
  },
  'elasticsearch-exporter': {
    env: 'ELASTICSEARCH_EXPORTER_BIN',
    pathNames: ['elasticsearch_exporter', 'prometheus-elasticsearch-exporter'],
    pkg: 'prometheus-elasticsearch-exporter',
    debBin: 'prometheus-elasticsearch-exporter',
    wanted: '1.10 or newer 1.x',
    accepts: esExporter1,
    hint: 'set ELASTICSEARCH_EXPORTER_BIN=/path/to/elasticsearch_exporter, or put elasticsearch_exporter 1.10+ on PATH (release tarballs: https://github.com/prometheus-community/elasticsearch_exporter/releases)',
  },
};

/** The env var that overrides each tool; global-setup also uses it to hand resolved paths to tests. */
export const TOOL_ENV: Readonly<Record<ToolName, string>> = {
  prometheus: SPECS.prometheus.env,
  promtool: SPECS.promtool.env,
  alertmanager: SPECS.alertmanager.env,
  amtool: SPECS.amtool.env,
  kustomize: SPECS.kustomize.env,
  'node-exporter': SPECS['node-exporter'].env,
  'elasticsearch-exporter': SPECS['elasticsearch-exporter'].env,
};

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(SPECS, name);
}

/** The spec of `name`, or an error naming the tools there are (a JS caller or the CLI may pass any string). */
export function specOf(name: string): ToolSpec {
  if (!isToolName(name)) throw new Error(`unknown tool "${name}" (expected one of: ${TOOL_NAMES.join(', ')})`);
  return SPECS[name];
}
