// Mirror discovery: the Debian archive named in the machine's own apt
// sources (deb822 `.sources` or one-line `.list` files), never a hard-coded host.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export interface AptSource {
  readonly uri: string;
  readonly suites: readonly string[];
  readonly components: readonly string[];
  /** Keyring path(s) or fingerprint(s); undefined when absent or an inline key block. */
  readonly signedBy?: string;
}

export interface DebianMirror {
  readonly uri: string;
  readonly signedBy: string;
}

/**
 * Parses the `deb` (binary) entries of one apt sources file. Pure: takes the
 * file text. `deb822` is the `.sources` format, `one-line` the classic
 * `sources.list` / `.list` format.
 */
export function parseAptSources(text: string, format: 'deb822' | 'one-line'): AptSource[] {
  return format === 'deb822' ? parseDeb822(text) : parseOneLine(text);
}

/** The first source that is the Debian main archive (path ends in /debian, so not -security or ports). */
export function pickDebianMirror(sources: readonly AptSource[]): DebianMirror | undefined {
  for (const s of sources) {
    if (isMainArchive(s.uri)) return { uri: s.uri.replace(/\/+$/, ''), signedBy: s.signedBy ?? DEFAULT_KEYRING };
  }
  return undefined;
}

/** Reads sources in apt's order: sources.list, then sources.list.d/* sorted. */
export async function readAptSourceFiles(etcApt = '/etc/apt'): Promise<AptSource[]> {
  const files: [string, 'deb822' | 'one-line'][] = [[path.join(etcApt, 'sources.list'), 'one-line']];
  const dir = path.join(etcApt, 'sources.list.d');
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names.sort()) {
    if (n.endsWith('.list')) files.push([path.join(dir, n), 'one-line']);
    else if (n.endsWith('.sources')) files.push([path.join(dir, n), 'deb822']);
  }
  const out: AptSource[] = [];
  for (const [file, format] of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    out.push(...parseAptSources(text, format));
  }
  return out;
}

function isMainArchive(uri: string): boolean {
  try {
    return new URL(uri).pathname.replace(/\/+$/, '').endsWith('/debian');
  } catch {
    return false;
  }
}

function parseDeb822(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const fields of deb822Stanzas(text)) {
    const types = words(fields.get('types'));
    if (!types.includes('deb') || fields.get('enabled')?.trim().toLowerCase() === 'no') continue;
    const signedBy = keyringOption(fields.get('signed-by'));
    // One entry per URI keeps "first URI of the stanza" ordering for pickDebianMirror.
    for (const uri of words(fields.get('uris'))) {
      out.push({ uri, suites: words(fields.get('suites')), components: words(fields.get('components')), ...(signedBy ? { signedBy } : {}) });
    }
  }
  return out;
}

/** Splits deb822 text into stanzas of lower-cased field -> value (continuation lines joined with \n). */
function deb822Stanzas(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let cur = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue; // comments don't end a stanza
    if (line.trim() === '') {
      if (cur.size > 0) stanzas.push(cur);
      cur = new Map();
      last = undefined;
    } else if (/^[ \t]/.test(line)) {
      if (last !== undefined) cur.set(last, `${cur.get(last) ?? ''}\n${line.trim()}`);
    } else {
      const i = line.indexOf(':');
      if (i < 0) continue;
      last = line.slice(0, i).trim().toLowerCase();
      cur.set(last, line.slice(i + 1).trim());
    }
  }
  if (cur.size > 0) stanzas.push(cur);
  return stanzas;
}

function parseOneLine(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s*)?(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m || m[1] !== 'deb') continue;
    const opts = new Map<string, string>();
    for (const o of words(m[2])) {
      const eq = o.indexOf('=');
      if (eq > 0) opts.set(o.slice(0, eq).toLowerCase(), o.slice(eq + 1));
    }
    const signedBy = keyringOption(opts.get('signed-by'));
    out.push({ uri: m[3]!, suites: [m[4]!], components: words(m[5]), ...(signedBy ? { signedBy } : {}) });
  }
  return out;
}

/** Paths/fingerprints are reusable in our one-line source; an inline PGP block is not. */
function keyringOption(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '' || value.includes('BEGIN PGP')) return undefined;
  return value.split(/[\s,]+/).filter(Boolean).join(',');
}

function words(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter(Boolean);
}
