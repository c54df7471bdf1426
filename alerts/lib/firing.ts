// What a promtool case expects to see firing: the alert's labels (severity
// first, as promtool lists them) and its description; summary and links are
// fixed per rule and added by the compiler.
import type { AlertTest, Severity } from '../../signals/rule-types.ts';

export function firing(severity: Severity, labels: Readonly<Record<string, string>>, description: string): AlertTest['expect'][number] {
  return { labels: { severity, ...labels }, annotations: { description } };
}
