// Checks rendered objects against the Kubernetes (and CRD) schemas of current
// releases, as packaged by kubernetes-models:
//  - validate(): the package's compiled JSON-schema validator (types, required
//    fields, enums), which lets unknown fields through;
//  - knownFieldErrors(): the unknown-field check. Each object is written as a
//    typed object literal (`const o: IDeployment = {...}`) and typechecked by
//    the TypeScript this package depends on (a run-time dependency, so `check`
//    works in any app), whose excess-property check rejects any field,
//    at any depth, that the package's interfaces (generated from the same
//    OpenAPI schemas) do not declare.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { K8sObject } from './render.ts';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** Which package holds the model of each API group. */
const PACKAGES: Readonly<Record<string, string>> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'keda.sh': '@kubernetes-models/keda',
  'autoscaling.k8s.io': '@kubernetes-models/autoscaler',
};

/** The module of an object's model: kubernetes-models/apps/v1/Deployment, @kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject. */
export function modelModule(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  const pkg = PACKAGES[group!];
  if (pkg) return `${pkg}/${group}/${version}/${kind}`;
  // Core groups with a short folder name (apps, batch, autoscaling, policy) or a full one (networking.k8s.io).
  return `kubernetes-models/${group}/${version}/${kind}`;
}

/** kustomize wraps a Secret's base64 at 76 columns; the API server's decoder skips those newlines, the schema's "byte" format does not. */
function apiServerView(o: K8sObject): K8sObject {
  if (o.kind !== 'Secret' || typeof o.data !== 'object' || o.data === null) return o;
  const data = Object.fromEntries(Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, v.replace(/[\r\n]/g, '')]));
  return { ...o, data };
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** Runs the package's schema validator on each object; one message per invalid object. */
export async function schemaErrors(objects: readonly K8sObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const o of objects) {
    const where = `${o.kind}/${o.metadata.name}`;
    let Model: ModelClass;
    try {
      const mod = (await import(modelModule(o.apiVersion, o.kind))) as Record<string, ModelClass>;
      Model = mod[o.kind]!;
      if (typeof Model !== 'function') throw new Error(`no export ${o.kind}`);
    } catch (err) {
      out.push(`${where}: no schema for ${o.apiVersion} ${o.kind} (${(err as Error).message.split('\n')[0]})`);
      continue;
    }
    try {
      new Model(apiServerView(o)).validate();
    } catch (err) {
      out.push(`${where}: ${(err as Error).message}`);
    }
  }
  return out;
}

/**
 * Typechecks every object as a literal of its model's interface; returns the
 * compiler's messages, each prefixed with the object it is about. Empty when
 * every field of every object is declared by the schema with a fitting type.
 */
export async function knownFieldErrors(objects: readonly K8sObject[]): Promise<string[]> {
  // Under the node_modules that holds the models, so the compiler resolves them from there
  // (this repository's, or the user's project that installed the kit).
  const base = path.join(path.dirname(path.dirname(require.resolve('kubernetes-models/package.json'))), '.cache', 'observability-kit');
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(path.join(base, 'k8s-typecheck-'));
  try {
    const imports = new Map<string, string>();
    const decls = objects.map((o, i) => {
      const mod = modelModule(o.apiVersion, o.kind);
      if (!imports.has(mod)) imports.set(mod, `T${imports.size}`);
      return `export const o${i}: ${imports.get(mod)} = ${JSON.stringify(o, null, 1)};`;
    });
    const lines = [...imports].map(([mod, alias]) => `import type { I${mod.slice(mod.lastIndexOf('/') + 1)} as ${alias} } from '${mod}';`);
    // The 1-based line each object's declaration starts on, to name the object in a message.
    const starts: { line: number; what: string }[] = [];
    let line = lines.length + 1;
    decls.forEach((d, i) => {
      starts.push({ line, what: `${objects[i]!.kind}/${objects[i]!.metadata.name}` });
      line += d.split('\n').length;
    });
    const text = [...lines, ...decls].join('\n');
    const textLines = text.split('\n');
    await writeFile(path.join(dir, 'objects.ts'), `${text}\n`);
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2024', types: [], skipLibCheck: true },
        files: ['objects.ts'],
      }),
    );
    await writeFile(path.join(dir, 'package.json'), '{"type":"module"}\n');
    const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }).then(
      (r) => r.stdout,
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
    const messages: string[] = [];
    for (const raw of result.split('\n')) {
      const m = /objects\.ts\((\d+),\d+\): (error .*)$/.exec(raw.trim());
      if (!m) {
        if (raw.trim() !== '') messages.push(raw.trim());
        continue;
      }
      const at = Number(m[1]);
      const owner = [...starts].reverse().find((s) => s.line <= at);
      const source = textLines[at - 1]?.trim() ?? '';
      messages.push(`${owner?.what ?? 'imports'}: ${m[2]} (at: ${source.length > 120 ? `${source.slice(0, 120)}...` : source})`);
    }
    return messages;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
