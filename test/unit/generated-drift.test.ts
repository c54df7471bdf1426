// Every generated file committed in this repository comes from running the
// CLI on the demo's project config: a fresh generate must equal the
// committed examples/demo-shop/observability/ exactly (kube-prometheus does
// `make generate && git diff --exit-code`). Fix: `npm run generate`.
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { generateProject } from '../../cli/generate-project.ts';
import { compare } from '../../cli/output-folder.ts';
import demo from '../../examples/demo-shop/observability.config.ts';
import { GENERATED_BY } from '../../signals/generated.ts';
import { validateProject } from '../../signals/project/validate.ts';

const OUT = join(import.meta.dirname, '../../examples/demo-shop/observability');
const files = generateProject(validateProject(demo));

test('the committed demo output equals a fresh generate of its config (npm run generate)', async () => {
  expect(await compare(OUT, files)).toEqual({ added: [], changed: [], removed: [] });
});

test('every generated file whose format has comments says it is generated', () => {
  const unmarked = [...files].filter(([path, text]) => !path.endsWith('.json') && !text.slice(0, 400).includes(GENERATED_BY)).map(([path]) => path);
  expect(unmarked).toEqual([]);
});
