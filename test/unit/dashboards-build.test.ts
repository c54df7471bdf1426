// The Grafana build of a project is a map of files in the output layout the
// bundles mount: one JSON file per dashboard under its folder, named by its
// uid, and the two provisioning files; and it is deterministic.
import { describe, expect, test } from 'vitest';
import { buildDashboards, GRAFANA_PATHS } from '../../dashboards/build.ts';
import { FOLDERS } from '../../dashboards/dashboard-settings.ts';
import demo from '../../examples/demo-shop/observability.config.ts';
import { validateProject } from '../../signals/project/validate.ts';

const project = validateProject(demo);
const files = buildDashboards(project);

test('two builds are identical (the output is deterministic)', () => {
  expect([...buildDashboards(project)]).toEqual([...files]);
});

describe('the output layout', () => {
  const dashboards = [...files].filter(([path]) => path.startsWith(`${GRAFANA_PATHS.dashboards}/`));

  test('the provisioning files, and otherwise only dashboard files', () => {
    const others = [...files.keys()].filter((p) => !p.startsWith(`${GRAFANA_PATHS.dashboards}/`));
    expect(others.sort()).toEqual([`${GRAFANA_PATHS.provisioning}/dashboards/dashboards.yaml`, `${GRAFANA_PATHS.provisioning}/datasources/datasources.yaml`]);
    expect(dashboards.length).toBeGreaterThan(0);
  });

  test.each(dashboards.map(([path, text]) => [path, text]))('%s is grafana/dashboards/<folder>/<its uid>.json', (path, text) => {
    const m = new RegExp(`^${GRAFANA_PATHS.dashboards}/([a-z]+)/([a-z0-9-]+)\\.json$`).exec(path);
    expect(m, path).not.toBeNull();
    expect(Object.values(FOLDERS).map((f) => f.dir)).toContain(m![1]);
    const json = JSON.parse(text) as { uid: string };
    expect(json.uid).toBe(m![2]);
    expect(text.endsWith('}\n')).toBe(true);
  });
});
