import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hostHeapMb } from './heap-limit.js';
import { WASM_TIERING_FLAGS, hostStackFlags } from './host-transport.js';
import { prestartHost, runIsolatedScript, type PrestartHostOptions, type RunIsolatedScriptOptions } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const setupModule = new URL('./__fixtures__/host-js-setup.mjs', import.meta.url);

/**
 * A host reports the MARK its environment had when it was started: the test changes the
 * (shared) env object after prestarting, so a prestarted host says 'prestarted' and one the
 * session started itself says 'later'.
 */
function markedEnv(): NodeJS.ProcessEnv {
  return { ...process.env, MARK: 'prestarted' };
}

function run(source: string, options: Partial<RunIsolatedScriptOptions>) {
  return runIsolatedScript({
    setupModule, engine: 'hostjs', isolation: 'process', source, filename: 'test.hjs', graceMs: 300,
    output: { stdout: () => undefined, stderr: () => undefined }, write: { stdout: () => undefined, stderr: () => undefined }, ...options,
  });
}

describe('a host started ahead of its session (prestartHost)', () => {
  test('runs the script when started as the session would start it, confined the same way', async () => {
    const env = markedEnv();
    const cwd = process.cwd();
    const prestarted = prestartHost({ env, cwd });
    env.MARK = 'later';
    const seen = await run('return { mark: process.env.MARK, flags: process.execArgv, pdeath: process.env.LLMSPELL_PARENT_DEATH_SIGNAL ?? null, supervisor: process.env.LLMSPELL_SUPERVISOR_PID }', { env, cwd, prestarted });
    const fresh = await run('return { mark: process.env.MARK, flags: process.execArgv, pdeath: process.env.LLMSPELL_PARENT_DEATH_SIGNAL ?? null, supervisor: process.env.LLMSPELL_SUPERVISOR_PID }', { env, cwd });
    expect(seen).toEqual({ ...(fresh as object), mark: 'prestarted' });
    expect((fresh as { mark: string }).mark).toBe('later');
    expect((seen as { flags: string[] }).flags).toEqual([`--max-old-space-size=${hostHeapMb(64 * 1024 * 1024)}`, ...WASM_TIERING_FLAGS, ...hostStackFlags()]);
  });

  test('the limits hold in it: a runaway script is stopped at its time limit', async () => {
    const env = markedEnv();
    const prestarted = prestartHost({ env });
    await expect(run('for (;;) {}', { env, prestarted, limits: { timeoutMs: 200 } })).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
  });

  test.each<[string, Partial<PrestartHostOptions>, Partial<RunIsolatedScriptOptions>]>([
    ['a different heap (memory limit)', { memoryBytes: 512 * 1024 * 1024 }, {}],
    ['a different entry', { hostEntry: path.join(here, 'no-such-entry.js') }, {}],
    ['another environment object', {}, { env: { ...process.env, MARK: 'later' } }],
    ['another working directory', { cwd: path.dirname(process.cwd()) }, {}],
  ])('is not used, and is ended, when the session would start its host differently: %s', async (_why, prestart, session) => {
    const env = markedEnv();
    const prestarted = prestartHost({ env, ...prestart });
    env.MARK = 'later';
    expect(await run('return process.env.MARK', { env, ...session, prestarted })).toBe('later');
    // ended: no later session can take it either
    expect(prestarted.take('process', { heapMb: prestarted.heapMb, env, stderr: () => undefined }, { message: () => undefined, exit: () => undefined })).toBeUndefined();
  });

  test('an unused one does not keep its caller alive', () => {
    const index = pathToFileURL(path.join(here, '../../dist/isolation/index.js')).href;
    const script = `const { prestartHost } = await import(${JSON.stringify(index)}); prestartHost(); process.stdout.write('started');`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('started');
  });
});
