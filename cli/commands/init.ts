// `observability-kit init`: writes a starter project config for the app in
// the current folder, named after its package.json.
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineCommand } from '../command.ts';
import { UsageError } from '../load-config.ts';
import { serviceNameFrom, starterConfig } from '../starter-config.ts';

const KIT_PACKAGE = 'node-observability-kit';

export const init = defineCommand({
  name: 'init',
  usage: 'init [--force] [--js]',
  summary: 'Write a starter observability.config.ts for the app in this folder, with every field explained.',
  help: `
Options:
      --js      write observability.config.mjs (plain JavaScript) instead of TypeScript
      --force   overwrite an existing config
  -h, --help    this text

The service name and image tag come from ./package.json. Edit the file, then run
\`observability-kit generate\`.`,
  options: { force: { type: 'boolean' }, js: { type: 'boolean' } },
  async run(values, _positionals, io) {
    let pkg: { name?: string; version?: string } = {};
    try {
      pkg = JSON.parse(await readFile(join(io.cwd, 'package.json'), 'utf8')) as typeof pkg;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`package.json in ${io.cwd} is not valid JSON: ${(err as Error).message}`);
      io.err('No package.json here: naming the service "my-service".');
    }
    const typescript = values.js !== true;
    const file = typescript ? 'observability.config.ts' : 'observability.config.mjs';
    const path = join(io.cwd, file);
    const present = await access(path).then(() => true, () => false);
    if (present && values.force !== true) throw new UsageError(`${file} exists already: edit it, or pass --force to replace it`);
    const service = serviceNameFrom(pkg.name);
    await writeFile(path, starterConfig({ service, version: pkg.version ?? '0.1.0', kitImport: `${KIT_PACKAGE}/config`, typescript }));
    io.out(`Wrote ${file} for the service "${service}".`);
    io.out('Next: set its port, team and receivers, add your business metrics, then run `observability-kit generate`.');
    return 0;
  },
});
