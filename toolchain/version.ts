// Which release a binary is, and whether its spec accepts it.
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { errorText, firstLine } from './errors.ts';
import type { ToolSpec, Version } from './specs.ts';

const run = promisify(execFile);

/**
 * Runs `<bin> --version` and parses "name, version X.Y.Z"; with other
 * `args` (kustomize: `version`), a bare "vX.Y.Z" / "X.Y.Z" line is read too.
 */
export async function toolVersion(bin: string, args: readonly string[] = ['--version']): Promise<Version> {
  // Go's kingpin prints the version on stdout in current releases, stderr in old ones.
  const { stdout, stderr } = await run(bin, [...args], { timeout: 30_000 });
  const text = `${stdout}\n${stderr}`;
  const m = /version v?(\d+)\.(\d+)\.(\d+)\S*/.exec(text) ?? /^\s*v?(\d+)\.(\d+)\.(\d+)\S*/m.exec(text);
  const devel = !m && /\(devel\)/.test(text) ? await debianPackageVersion(bin) : undefined;
  if (devel) return devel;
  if (!m) throw new Error(`could not read a version from \`${[bin, ...args].join(' ')}\`: ${firstLine(text)}`);
  return { major: Number(m[1]), minor: Number(m[2]), text: m[0].trim().replace(/^version /, '') };
}

/**
 * Debian builds Go tools from source without stamping a version, so e.g.
 * `kustomize version` prints "(devel)". The package's changelog beside the
 * binary (<prefix>/share/doc/<name>/changelog.Debian.gz, first line
 * "kustomize (5.8.1+ds-1) unstable; ...") still says which release it is.
 */
async function debianPackageVersion(bin: string): Promise<Version | undefined> {
  const real = await realpath(bin).catch(() => bin);
  const changelog = path.join(path.dirname(real), '..', 'share', 'doc', path.basename(real), 'changelog.Debian.gz');
  const text = await readFile(changelog).then((b) => gunzipSync(b).toString('utf8'), () => '');
  const m = /^\S+ \(((\d+)\.(\d+)\.\d+[^)]*)\)/.exec(text);
  return m ? { major: Number(m[2]), minor: Number(m[3]), text: m[1]! } : undefined;
}

/** undefined when the binary runs and has an accepted version, else a short note why not. */
export async function versionProblem(spec: ToolSpec, bin: string): Promise<string | undefined> {
  try {
    const v = await toolVersion(bin, spec.versionArgs);
    return spec.accepts(v) ? undefined : `is version ${v.text}, need ${spec.wanted}`;
  } catch (err) {
    return `does not run: ${errorText(err)}`;
  }
}
