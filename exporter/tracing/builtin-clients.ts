// Client spans for node:http and node:https in ESM apps, named imports
// included, with no loader hook. instrumentation-http patches the module
// object when something require()s it; an ESM app never does, so nothing
// was patched. Requiring the builtins here makes the patch happen, and
// syncBuiltinESMExports() copies the patched functions into the ESM views of
// the builtins, which are live bindings: `import { request } from
// 'node:http'`, linked before startTracing ran, calls the traced request
// from then on. fetch needs none of this (undici reports through
// diagnostics_channel).
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { realpathSync } from 'node:fs';
import type { Logger } from '../logger.ts';

const require = createRequire(import.meta.url);

/** Set by ./register.ts: OpenTelemetry's ESM loader hook ran before the app's first import. */
export const ESM_HOOK_REGISTERED = Symbol.for('node-observability-kit.esm-hook');

export function patchBuiltinClients(): void {
  require('node:http');
  require('node:https');
  syncBuiltinESMExports();
}

/**
 * Instrumentations of packages (express, pg, …) patch an ESM app's imports
 * only through the loader hook, which must be in place before those imports
 * load: startTracing runs too late for that. Says exactly what to add.
 */
export function warnIfEsmHookMissing(logger: Logger): void {
  if ((globalThis as Record<symbol, unknown>)[ESM_HOOK_REGISTERED] === true || !mainIsEsm()) return;
  logger.warn(
    { fix: 'node --import node-observability-kit/tracing/register <your entry file>' },
    'startTracing: the extra instrumentations cannot patch packages imported by an ES module app; start the app with --import node-observability-kit/tracing/register',
  );
}

/** True unless the entry file was loaded by require() (then it is in require's cache). */
function mainIsEsm(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return require.cache[realpathSync(entry)] === undefined;
  } catch {
    return false;
  }
}
