// The notification templates that every receiver renders (templates/*.tmpl),
// as generated files beside alertmanager.yml.
import { readdirSync, readFileSync } from 'node:fs';
import { templateHeader } from '../../signals/generated.ts';

const TEMPLATES_DIR = new URL('./templates/', import.meta.url);

/** The template files (name -> text, with the generated header) that alertmanager.yml's `templates` glob picks up. */
export function notificationTemplates(): Map<string, string> {
  const names = readdirSync(TEMPLATES_DIR).filter((n) => n.endsWith('.tmpl')).sort();
  return new Map(names.map((n) => [n, templateHeader() + readFileSync(new URL(n, TEMPLATES_DIR), 'utf8')]));
}
