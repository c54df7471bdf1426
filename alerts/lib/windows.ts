// Shorter look-back windows for rehearsals: the same rules reading the last
// seconds instead of the last minutes, so that a demo (`npm run stack`) or an
// end-to-end test sees an alert fire and resolve while someone watches. The
// generated rule files never go through this.
import type { Duration, Rule, RuleGroup } from '../../signals/rule-types.ts';

/**
 * `groups` with every range selector `[from]` in the expressions of the group
 * named `groupName` replaced by `[to]`. Rule names, labels, `for`, annotations
 * and every other group are left as they are. Throws when there is no such
 * group or none of its expressions uses `[from]`, so that a change to the rules
 * cannot silently turn the shortening off.
 */
export function withShorterWindows(groups: readonly RuleGroup[], groupName: string, from: Duration, to: Duration): RuleGroup[] {
  const selector = `[${from}]`;
  let replaced = 0;
  const shorten = (rule: Rule): Rule => {
    const parts = rule.expr.split(selector);
    replaced += parts.length - 1;
    return { ...rule, expr: parts.join(`[${to}]`) };
  };
  if (!groups.some((g) => g.name === groupName)) throw new Error(`no rule group named ${groupName}`);
  const out = groups.map((g) => (g.name === groupName ? { ...g, rules: g.rules.map(shorten) } : g));
  if (replaced === 0) throw new Error(`the ${groupName} rules use no ${selector} window any more: nothing to shorten`);
  return out;
}
