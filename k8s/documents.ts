// Multi-document YAML as the bundle's generator edits it: parsed with the
// templates' comments kept, changed node by node, written back.
import { type Document, parseAllDocuments, stringify } from 'yaml';
import { hashHeader } from '../signals/generated.ts';

export function documents(text: string): Document[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(`template does not parse: ${d.errors[0]!.message}`);
    return d as Document;
  });
}

/** The documents back as one file, with the generated header. */
export function joinDocuments(docs: readonly Document[]): string {
  // Each document's own `---` is dropped: the join writes one between documents.
  for (const d of docs) d.directives!.docStart = null;
  return hashHeader() + docs.map((d) => d.toString({ lineWidth: 0, flowCollectionPadding: false })).join('---\n');
}

/** Plain data as a YAML file with the generated header; with `stream`, each item of `data` a document of its own. */
export function yamlFile(data: unknown, comment?: string, stream = false): string {
  const lines = comment === undefined ? '' : `${comment.replace(/^/gm, '# ')}\n`;
  const body = stream ? (data as unknown[]).map((d) => stringify(d, { lineWidth: 0 })).join('---\n') : stringify(data, { lineWidth: 0 });
  return hashHeader() + lines + body;
}

export const kindOf = (d: Document): unknown => d.get('kind');
export const nameOf = (d: Document): unknown => d.getIn(['metadata', 'name']);
