// Every fenced ```ts block of the README and the exporter guide compiles, as
// a user's file, against the package as built: the blocks are written into a
// scratch app whose node_modules holds the build's declarations under the
// package's own package.json (its exports map decides what resolves), and
// typechecked there with strict settings. Each document's blocks form one
// app; a block that names its file in a first-line comment
// (`// src/metrics.ts`) is written there, so the blocks that import each
// other do. And a broken block fails the check, naming it.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const DOCS = ['README.md', 'docs/exporter.md'];
/** Inside the repository, so the scratch app finds express, prom-client and @types/node in its node_modules by walking up. */
const CACHE = join(REPO, '.cache');

interface Snippet {
  /** `README.md:42`: where the block's first line of code is. */
  readonly where: string;
  /** The file the block is written to, relative to its document's folder in the scratch app. */
  readonly file: string;
  readonly code: string;
}

/** The ```ts blocks of a Markdown text, indented ones (inside list items) included. */
export function tsSnippets(doc: string, markdown: string): Snippet[] {
  const out: Snippet[] = [];
  for (const m of markdown.matchAll(/^( *)```ts\n([\s\S]*?)^\1```/gm)) {
    const indent = m[1]!.length;
    const code = m[2]!
      .split('\n')
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n');
    const line = markdown.slice(0, m.index).split('\n').length + 1;
    const named = /^\/\/ ([\w./-]+\.ts)\b/.exec(code)?.[1];
    const file = join(doc.replace(/[/.]/g, '-'), named ?? `line-${line}.ts`);
    if (out.some((s) => s.file === file)) throw new Error(`${doc}:${line}: a second block names ${named}; one file per name in a document`);
    out.push({ where: `${doc}:${line}`, file, code });
  }
  return out;
}

let scratch: string;

beforeAll(async () => {
  await mkdir(CACHE, { recursive: true });
  scratch = await mkdtemp(join(CACHE, 'readme-snippets-'));
  const pkg = join(scratch, 'node_modules', 'node-observability-kit');
  await run(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', join(REPO, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')]);
  await cp(join(REPO, 'package.json'), join(pkg, 'package.json'));
}, 120_000);

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** Writes the snippets as one app (in a fresh folder) and typechecks it: the compiler's complaints, each with the snippet's place in the docs. */
async function typecheck(snippets: readonly Snippet[]): Promise<string[]> {
  const app = await mkdtemp(join(scratch, 'app-'));
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'readme-app', private: true, type: 'module' }));
  const tsconfig = { compilerOptions: { target: 'es2024', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true, types: ['node'] }, include: ['**/*.ts'] };
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const s of snippets) {
    await mkdir(dirname(join(app, s.file)), { recursive: true });
    await writeFile(join(app, s.file), s.code);
  }
  const output = await run(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', join(app, 'tsconfig.json')], { cwd: app }).then(
    () => '',
    (err: { stdout: string }) => err.stdout,
  );
  return output
    .split('\n')
    .filter((l) => /error TS\d+/.test(l))
    .map((l) => {
      const snippet = snippets.find((s) => l.startsWith(s.file));
      return snippet === undefined ? l : `${snippet.where} (${l})`;
    });
}

async function docSnippets(): Promise<Snippet[]> {
  const all: Snippet[] = [];
  for (const doc of DOCS) all.push(...tsSnippets(doc, await readFile(join(REPO, doc), 'utf8')));
  return all;
}

describe('the docs’ TypeScript snippets', () => {
  test('every ```ts block of the README and docs/exporter.md compiles against the built package', async () => {
    const snippets = await docSnippets();
    expect(snippets.filter((s) => s.where.startsWith('README.md')).length).toBeGreaterThanOrEqual(3);
    expect(await typecheck(snippets)).toEqual([]);
  }, 60_000);

  test('a snippet that stops compiling fails the check, named by its place in the docs', async () => {
    const snippets = await docSnippets();
    const victim = snippets.find((s) => s.code.includes('createExporter('))!;
    const broken = { ...victim, code: victim.code.replace('createExporter(', 'createExporterr(') };
    const errors = await typecheck(snippets.map((s) => (s === victim ? broken : s)));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toContain(`${victim.where} (`);
    expect(errors.join('\n')).toContain('createExporterr');
  }, 60_000);
});
