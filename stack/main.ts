// `npm run stack`: the local stack on the demo shop (examples/demo-shop, a
// user of the kit like any other), with the demo's traffic generator and
// fault switch: `observability-kit stack --config
// examples/demo-shop/observability.config.ts` with the demo extras on. A thin
// wrapper over runStack (stack/run.ts). STACK_* variables set the ports,
// rules mode, environment, traffic and data folder (stack/stack-settings.ts).
// Ctrl-C stops everything.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProjectConfigError, validateProject } from '../signals/project/validate.ts';
import { runStack, settingsFromEnv, StackConfigError } from './index.ts';

/** The demo's config, loaded as `observability-kit stack --config` loads a user's: by path, at run time. */
const CONFIG_FILE = new URL('../examples/demo-shop/observability.config.ts', import.meta.url);
/** `generate`'s default output folder, beside the config. */
const DEFAULT_OUTPUT = 'observability';

async function main(): Promise<number> {
  const configFile = fileURLToPath(CONFIG_FILE);
  try {
    const project = validateProject(((await import(CONFIG_FILE.href)) as { default: unknown }).default, configFile);
    const { trafficRps, ...settings } = settingsFromEnv(process.env, project);
    return await runStack({ project, configFile, outDir: resolve(dirname(configFile), project.output ?? DEFAULT_OUTPUT), ...settings, demoExtras: { trafficRps } });
  } catch (err) {
    if (!(err instanceof StackConfigError || err instanceof ProjectConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
}

process.exitCode = await main();
// Everything is stopped; should a stray handle keep the event loop alive, don't hang the terminal for it.
setTimeout(() => process.exit(), 2000).unref();
