// The hand-written YAML of the Kubernetes bundle lives under k8s/template/
// with @TOKENS@ where a project's values go (@SERVICE@, @PORT@, @NAMESPACE@,
// …). A token that is a whole quoted scalar (`port: "@PORT@"`) becomes the
// value as YAML, a number staying a number; a token inside other text (a
// comment, "@SERVICE@-ingress", job="@SERVICE@" in a query) becomes the plain
// value. A line whose token has no value is left out (an image pinned by
// digest has no version label).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'template');

export type TemplateValues = Readonly<Record<string, string | number | undefined>>;

export function readTemplate(path: string): string {
  return readFileSync(join(TEMPLATE_DIR, path), 'utf8');
}

/** A value as a YAML scalar: plain when it reads back as the same string (a name, a version), quoted otherwise. */
function yamlScalar(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const plain = /^[a-z][a-z0-9.-]*[a-z0-9]$/i.test(value) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(value);
  return plain ? value : JSON.stringify(value);
}

export function fillTemplate(text: string, values: TemplateValues): string {
  const value = (token: string): string | number | undefined => {
    if (!(token in values)) throw new Error(`template token @${token}@ has no value`);
    return values[token];
  };
  return text
    .split('\n')
    .filter((line) => [...line.matchAll(/@([A-Z_]+)@/g)].every((m) => value(m[1]!) !== undefined))
    .map((line) =>
      line
        .replace(/^(\s*(?:- )?(?:[\w./-]+: )?)"@([A-Z_]+)@"(\s*)$/, (_, before: string, token: string, after: string) => before + yamlScalar(value(token)!) + after)
        .replace(/@([A-Z_]+)@/g, (_, token: string) => String(value(token))),
    )
    .join('\n');
}

/** A template file filled in. */
export function template(path: string, values: TemplateValues = {}): string {
  return fillTemplate(readTemplate(path), values);
}
