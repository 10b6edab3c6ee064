import { existsSync } from 'node:fs';
import nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The script host's entry as the build bundles it (dist/host/script-host.mjs, see
 * scripts/bundle-host.mjs): it starts several times faster than the module graph. Undefined
 * (the host imports SCRIPT_HOST_MODULE) when the bundle was not built, or with
 * LLMSPELL_HOST_BUNDLE=0.
 */
export function scriptHostEntry(env: NodeJS.ProcessEnv): string | undefined {
  if (env.LLMSPELL_HOST_BUNDLE === '0') return undefined;
  // Node 20 has no compile cache of its own: the host bundle as one CommonJS file, run
  // through V8's code cache (src/host-code-cache.ts), starts faster from the second run on
  if (!hasNodeCompileCache && env.LLMSPELL_CODE_CACHE !== '0') {
    const cached = fileURLToPath(new URL('./host/script-host-cached.cjs', import.meta.url));
    if (existsSync(cached)) return cached;
  }
  const bundled = fileURLToPath(new URL('./host/script-host.mjs', import.meta.url));
  return existsSync(bundled) ? bundled : undefined;
}

/** Node 22+: module.enableCompileCache, which the host's ES modules use (see host-transport). */
const hasNodeCompileCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';
