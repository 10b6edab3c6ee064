#!/usr/bin/env node
/**
 * The CLI's launcher, bundled alone as one CommonJS file (dist/bin.cjs, see
 * scripts/bundle-host.mjs) so it runs without Node's ES module loader: `run` and `exec` fork
 * their script host (a second Node, which then loads its own bundle) from here, before the
 * ES modules of the rest of the CLI load, so the two overlap. Everything else is bin-main.ts.
 */
import nodeModule from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { handOverPrestartedHost, prestartScriptHost } from './host-prestart.js';
import { markProcessStart } from './start-marks.js';

markProcessStart('main');

// Node 22+ keeps V8's compiled code of what loads next between runs, in the user's own cache
// folder (a shared /tmp one could be planted by another user); Node 20 has no such cache.
const enableCompileCache = (nodeModule as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
if (enableCompileCache && process.env.NODE_COMPILE_CACHE === undefined && process.env.NODE_DISABLE_COMPILE_CACHE === undefined) {
  try {
    enableCompileCache(path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'llmspell', 'compile-cache'));
  } catch {
    // a cache is an optimisation: never a reason not to start
  }
}

prestartScriptHost(process.argv.slice(2));
handOverPrestartedHost();
import('./bin-main.js').catch((error: unknown) => {
  process.stderr.write(`llmspell: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
