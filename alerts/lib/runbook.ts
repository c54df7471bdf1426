// One Markdown runbook page per alert name, from the same definition as the
// rule: what it means, who is hurt, how to diagnose and mitigate, and when to
// escalate. Variants (warning/critical) share the page.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import { markdownHeader } from '../../signals/generated.ts';
import type { AlertRule } from '../../signals/rule-types.ts';
import { dashboardUrl } from './compile.ts';

export function runbookPage(variants: readonly AlertRule[], config: AlertConfig): string {
  const [first] = variants;
  if (first === undefined) throw new Error('runbookPage needs at least one alert');
  const r = first.runbook;
  const lines = [
    markdownHeader().trimEnd(),
    `# ${first.alert}`,
    '',
    `> ${first.summary}`,
    '',
    '| severity | expression | for | keep firing for |',
    '|---|---|---|---|',
    ...variants.map((v) => `| ${v.severity} | \`${v.expr.replace(/\|/g, '\\|')}\` | ${v.for ?? '—'} | ${v.keepFiringFor ?? '—'} |`),
    '',
    '## Meaning',
    r.meaning,
    '',
    '## Impact',
    r.impact,
    '',
    '## Diagnosis',
    ...r.diagnosis.map((step, i) => `${i + 1}. ${step}`),
    ...(r.dashboard ? ['', `Dashboard: [${r.dashboard}](${dashboardUrl(config, r.dashboard)})`] : []),
    '',
    '## Mitigation',
    ...r.mitigation.map((step) => `- ${step}`),
    '',
    '## Escalation',
    r.escalation,
    '',
  ];
  return lines.join('\n');
}
