// Reads a generated compose.yaml as Compose sees it before interpolation:
// YAML merge keys (`<<: *anchor`) resolved, `${VAR}` references left as
// written. checkComposeBundle and the tests read the bundle through it.
import { readFileSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ComposeService {
  readonly image?: string;
  readonly build?: unknown;
  readonly user?: string;
  readonly cap_drop?: readonly string[];
  readonly security_opt?: readonly string[];
  readonly read_only?: boolean;
  readonly profiles?: readonly string[];
  readonly command?: string | readonly string[];
  readonly entrypoint?: string | readonly string[];
  readonly environment?: Readonly<Record<string, string | number | boolean | null>> | readonly string[];
  readonly volumes?: readonly (string | { readonly type?: string; readonly source?: string; readonly target: string; readonly read_only?: boolean })[];
  readonly ports?: readonly (string | { readonly target: number; readonly published?: string | number; readonly host_ip?: string })[];
  readonly expose?: readonly (string | number)[];
  readonly healthcheck?: { readonly test?: string | readonly string[]; readonly disable?: boolean };
  readonly depends_on?: readonly string[] | Readonly<Record<string, { readonly condition?: string; readonly required?: boolean }>>;
  readonly mem_limit?: string | number;
  readonly deploy?: { readonly resources?: { readonly limits?: { readonly memory?: string } } };
  readonly logging?: { readonly driver?: string; readonly options?: Readonly<Record<string, string>> };
  readonly restart?: string;
  readonly secrets?: readonly (string | { readonly source: string; readonly target?: string })[];
}

export interface ComposeFile {
  readonly name?: string;
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
  readonly secrets?: Readonly<Record<string, { readonly file?: string; readonly environment?: string }>>;
  readonly [extension: `x-${string}`]: unknown;
}

/** The compose file of a bundle folder (the output folder's compose/). */
export const composeFileOf = (dir: string): string => join(dir, 'compose.yaml');

export function parseCompose(text: string): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

export function loadCompose(dir: string): ComposeFile {
  return parseCompose(readFileSync(composeFileOf(dir), 'utf8'));
}

/** Environment of a service as name → value (list form `A=b` included). */
export function environmentOf(service: ComposeService): Map<string, string> {
  const env = service.environment;
  if (env === undefined) return new Map();
  if (Array.isArray(env)) {
    return new Map((env as readonly string[]).map((entry) => {
      const eq = entry.indexOf('=');
      return eq === -1 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
    }));
  }
  return new Map(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

export interface PublishedPort {
  readonly hostIp: string | undefined;
  readonly published: string;
  readonly target: number;
}

/** `[host_ip:]published:target[/proto]`, where host_ip may be a `${VAR:-default}` reference. */
export function parsePort(entry: NonNullable<ComposeService['ports']>[number]): PublishedPort {
  if (typeof entry !== 'string') return { hostIp: entry.host_ip, published: String(entry.published ?? entry.target), target: entry.target };
  const spec = entry.replace(/\/(tcp|udp)$/, '');
  // Split on colons outside ${...}.
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of spec) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === ':' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  const target = Number(parts.at(-1));
  if (parts.length === 3) return { hostIp: parts[0], published: parts[1]!, target };
  if (parts.length === 2) return { hostIp: undefined, published: parts[0]!, target };
  return { hostIp: undefined, published: '', target };
}

/** Container ports a service declares (expose and ports). */
export function declaredPorts(service: ComposeService): Set<number> {
  return new Set([...(service.expose ?? []).map((p) => Number(String(p).replace(/\/(tcp|udp)$/, ''))), ...(service.ports ?? []).map((p) => parsePort(p).target)]);
}

export interface BindMount {
  readonly source: string;
  readonly target: string;
}

/** Bind mounts of a service (named volumes left out), sources relative to the compose folder. */
export function bindMounts(service: ComposeService): BindMount[] {
  const mounts: BindMount[] = [];
  for (const v of service.volumes ?? []) {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      if (source !== undefined && target !== undefined && (source.startsWith('.') || source.startsWith('/'))) mounts.push({ source, target });
    } else if (v.type === 'bind' && v.source !== undefined) mounts.push({ source: v.source, target: v.target });
  }
  return mounts;
}

/** Compose's interpolation with every variable unset: `${VAR:-default}` becomes its default (a fresh .env.example leaves these). */
export function withDefaults(value: string): string {
  return value.replace(/(?<!\$)\$\{[A-Za-z0-9_]+:?-([^}]*)\}/g, '$1');
}

/** Every `${NAME...}` variable the text refers to (`$${...}` escapes left out). */
export function referencedVariables(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  return names;
}

/** Copies a service's bind mounts (relative ones, from `dir`) into `root` at their container paths: the container's view of its files. */
export async function copyMounts(service: ComposeService, dir: string, root: string): Promise<void> {
  for (const mount of bindMounts(service).filter((m) => !m.source.startsWith('/'))) {
    await mkdir(dirname(join(root, mount.target)), { recursive: true });
    await cp(resolve(dir, mount.source), join(root, mount.target), { recursive: true });
  }
}
