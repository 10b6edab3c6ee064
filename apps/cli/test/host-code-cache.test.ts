import fs from 'node:fs';
import nodeModule from 'node:module';
import path from 'node:path';
import { bin, cli, scratch, write } from './helpers.js';

// On Node 20 (no module.enableCompileCache) the CLI starts its script host from one CommonJS
// bundle compiled through V8's code cache (src/host-code-cache.ts), kept in
// $XDG_CACHE_HOME/llmspell/code-cache. LLMSPELL_START_MARKS=1 has the host say whether it used it.
const nodeHasCompileCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** A script that reaches the bundle's lazily imported parts: a tool, SQLite state (an import() of better-sqlite3). */
const SCRIPT = 'State.save("custom:c", "k", { n = 7 })\nreturn { tool = Tool.invoke("calculator", { input = "6*7" }).result.result, n = State.load("custom:c", "k").n }';

function setup(cacheHome?: string) {
  const dir = scratch();
  write(dir, 's.lua', SCRIPT);
  const cache = cacheHome ?? path.join(dir, '.cache');
  const run = (env: Record<string, string> = {}) => cli(['run', 's.lua'], { cwd: dir, env: { XDG_CACHE_HOME: cache, LLMSPELL_START_MARKS: '1', ...env } });
  const cacheFiles = () => (fs.existsSync(path.join(cache, 'llmspell/code-cache')) ? fs.readdirSync(path.join(cache, 'llmspell/code-cache')).map((f) => path.join(cache, 'llmspell/code-cache', f)) : []);
  return { dir, cache, run, cacheFiles };
}

const cacheState = (stderr: string) => /host: bundle compiled \(code cache (\w+)\)/.exec(stderr)?.[1];
const result = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

(nodeHasCompileCache ? describe.skip : describe)('the script host\'s code cache (Node 20)', () => {
  test('the first run writes it, the next ones use it, with the same result (lazy imports included)', async () => {
    const { run, cacheFiles } = setup();
    const first = await run();
    expect(first.code).toBe(0);
    expect(cacheState(first.stderr)).toBe('absent');
    expect(cacheFiles()).toHaveLength(1);
    const written = fs.readFileSync(cacheFiles()[0]);
    for (let i = 0; i < 2; i++) {
      const next = await run();
      expect(next.stderr).not.toMatch(/dynamic import callback|ExperimentalWarning/);
      expect(next.code).toBe(0);
      expect(cacheState(next.stderr)).toBe('used');
      expect(result(next.stdout)).toEqual(result(first.stdout));
    }
    expect(result(first.stdout)).toEqual({ tool: 42, n: 7 });
    // used, not rewritten
    expect(cacheFiles()).toHaveLength(1);
    expect(fs.readFileSync(cacheFiles()[0]).equals(written)).toBe(true);
  });

  test('a corrupt cache is refused, the run is unharmed, and the cache is written anew', async () => {
    const { run, cacheFiles } = setup();
    expect((await run()).code).toBe(0);
    const [file] = cacheFiles();
    const garbage = Buffer.alloc(fs.statSync(file).size, 0x5a);
    fs.writeFileSync(file, garbage);
    const refused = await run();
    expect(refused.code).toBe(0);
    expect(cacheState(refused.stderr)).toBe('refused');
    expect(result(refused.stdout)).toEqual({ tool: 42, n: 7 });
    expect(fs.readFileSync(file).equals(garbage)).toBe(false);
    expect(cacheState((await run()).stderr)).toBe('used');
    // a truncated one too
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100));
    const truncated = await run();
    expect(truncated.code).toBe(0);
    expect(cacheState(truncated.stderr)).toBe('refused');
  });

  test('a cache folder that cannot be made means no cache, never a failed run', async () => {
    const base = scratch();
    const notADir = write(base, 'cache-is-a-file', 'x');
    const { run, cacheFiles } = setup(notADir);
    for (let i = 0; i < 2; i++) {
      const r = await run();
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(/EEXIST|ENOTDIR|llmspell:/);
      expect(cacheState(r.stderr)).toBe('absent');
      expect(result(r.stdout)).toEqual({ tool: 42, n: 7 });
    }
    expect(cacheFiles()).toEqual([]);
    expect(fs.readFileSync(notADir, 'utf8')).toBe('x');
  });

  test('a cache folder others can write is not used: neither read nor written', async () => {
    const { run, cache, cacheFiles } = setup();
    expect((await run()).code).toBe(0);
    const folder = path.join(cache, 'llmspell/code-cache');
    const [file] = cacheFiles();
    const planted = Buffer.alloc(fs.statSync(file).size, 0x41);
    fs.writeFileSync(file, planted);
    fs.chmodSync(folder, 0o777);
    const r = await run();
    expect(r.code).toBe(0);
    expect(cacheState(r.stderr)).toBe('absent');
    expect(fs.readFileSync(file).equals(planted)).toBe(true);
    // a file others can write, in a private folder, is not read either
    fs.chmodSync(folder, 0o700);
    fs.chmodSync(file, 0o666);
    expect(cacheState((await run()).stderr)).toBe('absent');
  });

  test('LLMSPELL_CODE_CACHE=0 turns it off: the host starts from its ES module entry and writes nothing', async () => {
    const { run, cacheFiles } = setup();
    const off = await run({ LLMSPELL_CODE_CACHE: '0' });
    expect(off.code).toBe(0);
    expect(off.stderr).toMatch(/host: entry loaded/);
    expect(cacheState(off.stderr)).toBeUndefined();
    expect(result(off.stdout)).toEqual({ tool: 42, n: 7 });
    expect(cacheFiles()).toEqual([]);
  });

  test('the cache lives in the user\'s own folder, readable by the user alone', async () => {
    const { run, cache, cacheFiles } = setup();
    expect((await run()).code).toBe(0);
    expect(fs.statSync(path.join(cache, 'llmspell/code-cache')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(cacheFiles()[0]).mode & 0o777).toBe(0o600);
  });
});

(nodeHasCompileCache ? describe : describe.skip)('the script host on Node 22+', () => {
  test('uses Node\'s own compile cache, not the bundle\'s code cache', async () => {
    const { run, cacheFiles } = setup();
    const r = await run();
    expect(r.code).toBe(0);
    expect(cacheState(r.stderr)).toBeUndefined();
    expect(cacheFiles()).toEqual([]);
  });
});

describe('the user\'s llmspell cache folder is off limits to tools', () => {
  // Compiled code there runs in the next run's script host, outside the engines' sandbox: a
  // script that could write it would escape. The policy keeps every tool out of it, even when
  // it lies inside the allowed paths (here HOME is the working directory, the default root).
  test('a script cannot write, replace, delete or read the code cache, and the next run still uses it', async () => {
    const { dir, cache, run, cacheFiles } = setup();
    expect((await run()).code).toBe(0);
    const files = cacheFiles();
    const target = path.relative(dir, files[0] ?? path.join(cache, 'llmspell/code-cache/planted.bin'));
    const before = files.map((f) => fs.readFileSync(f));
    write(dir, 'planted.bin', 'not V8 code');
    write(dir, 'plant.lua', `
local function try(tool, params)
  local ok, err = pcall(function() return Tool.invoke(tool, params) end)
  if ok then return "ok" end
  return tostring(type(err) == "table" and (err.code or err.message) or err):match("([A-Z][A-Z_]+[A-Z])") or tostring(err)
end
local out = {}
out.write = try("file_operations", { operation = "write", path = "${target}", input = "planted" })
out.write_new = try("file_operations", { operation = "write", path = ".cache/llmspell/other.bin", input = "planted" })
out.copy = try("file_operations", { operation = "copy", source_path = "planted.bin", target_path = "${target}" })
out.move = try("file_operations", { operation = "move", source_path = "planted.bin", target_path = "${target}" })
out.delete = try("file_operations", { operation = "delete", path = "${target}" })
out.read = try("file_operations", { operation = "read", path = "${target}" })
return out
`);
    const planted = await cli(['run', 'plant.lua'], { cwd: dir, env: { XDG_CACHE_HOME: cache } });
    expect(planted.code).toBe(0);
    expect(result(planted.stdout)).toEqual({ write: 'PATH_NOT_ALLOWED', write_new: 'PATH_NOT_ALLOWED', copy: 'PATH_NOT_ALLOWED', move: 'PATH_NOT_ALLOWED', delete: 'PATH_NOT_ALLOWED', read: 'PATH_NOT_ALLOWED' });
    expect(cacheFiles().map((f) => fs.readFileSync(f))).toEqual(before);
    expect(fs.existsSync(path.join(cache, 'llmspell/other.bin'))).toBe(false);
    const again = await run();
    expect(result(again.stdout)).toEqual({ tool: 42, n: 7 });
    if (!nodeHasCompileCache) expect(cacheState(again.stderr)).toBe('used');
  });
});

describe('the code cache folder and the folder the policy protects', () => {
  // host-code-cache.ts computes its folder itself (its small entry does not load the runtime):
  // it must stay inside runtime's protected cache folder for every way the environment names it
  test('the code cache lies inside a folder protectedStatePaths refuses to tools', async () => {
    const { codeCacheDir } = await import('../src/host-code-cache.js');
    const { protectedStatePaths, validateConfig } = await import('@llmspell/runtime');
    const home = scratch();
    const config = validateConfig({}, null).config;
    const envs: NodeJS.ProcessEnv[] = [
      { HOME: home },
      { HOME: home, XDG_CACHE_HOME: path.join(home, 'xdg') },
      { HOME: home, XDG_CACHE_HOME: 'relative/cache' },
      { HOME: home, XDG_CACHE_HOME: '' },
    ];
    for (const env of envs) {
      const dir = codeCacheDir(env);
      expect(dir).toBeDefined();
      const protectedPaths = protectedStatePaths(config, home, env);
      expect(protectedPaths.some((p) => dir!.startsWith(p + path.sep))).toBe(true);
    }
    expect(codeCacheDir({ HOME: home, LLMSPELL_CODE_CACHE: '0' })).toBeUndefined();
  });
});

describe('reading the bundle (loadWithCodeCache)', () => {
  // The build marks a bundle it checked to be all ASCII, and the loader then reads it as
  // Latin-1 without scanning it; any other bundle is scanned, and UTF-8 text stays intact.
  test('a marked bundle and an unmarked UTF-8 one both load with their text as written', async () => {
    const { loadWithCodeCache } = await import('../src/host-code-cache.js');
    const dir = scratch();
    const marked = write(dir, 'marked.cjs', '/*llmspell:ascii*/module.exports = { text: "plain", line: new Error().stack.split("\\n")[1] };');
    const utf8 = write(dir, 'utf8.cjs', 'module.exports = { text: "café ✓" };');
    expect(loadWithCodeCache(marked, undefined)).toEqual({ text: 'plain', line: expect.stringContaining('marked.cjs:1:') });
    expect(loadWithCodeCache(utf8, undefined)).toEqual({ text: 'café ✓' });
  });

  // The build also wraps it, so the loader compiles the file's text as read: wrapping it at each
  // start made V8 flatten the joined 5 MB text into a copy of its own (page faults: RESULTS.md).
  test('a wrapped bundle loads as written, with its line numbers', async () => {
    const { loadWithCodeCache, wrapBundle } = await import('../src/host-code-cache.js');
    const dir = scratch();
    const wrapped = write(dir, 'wrapped.cjs', wrapBundle('const path = require("node:path");\nmodule.exports = { file: path.basename(__filename), line: new Error().stack.split("\\n")[1] };'));
    expect(fs.readFileSync(wrapped, 'latin1')).toMatch(/^\/\*llmspell:ascii,wrapped\*\/\(function \(exports, require, module, __filename, __dirname, __llmspellImport, __llmspellImportMetaResolve\) \{ const path = /);
    expect(loadWithCodeCache(wrapped, undefined)).toEqual({ file: 'wrapped.cjs', line: expect.stringContaining('wrapped.cjs:2:') });
    // and through a code cache, written by the first load and taken by the second
    const cacheDir = path.join(dir, 'cache');
    fs.mkdirSync(cacheDir, { mode: 0o700 });
    expect(loadWithCodeCache(wrapped, cacheDir)).toMatchObject({ file: 'wrapped.cjs' });
    (globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for('llmspell.cli.writeCodeCache')]?.();
    expect(fs.readdirSync(cacheDir)).toHaveLength(1);
    expect(loadWithCodeCache(wrapped, cacheDir)).toMatchObject({ file: 'wrapped.cjs' });
  });

  test('the built host bundle is marked and wrapped', () => {
    const bundle = path.join(path.dirname(path.dirname(bin)), 'dist/script-host.bundle.cjs');
    const text = fs.readFileSync(bundle, 'latin1');
    expect(text.startsWith('/*llmspell:ascii,wrapped*/(function (exports, require, module, __filename, __dirname, __llmspellImport, __llmspellImportMetaResolve) { ')).toBe(true);
    expect(text.endsWith('\n})')).toBe(true);
  });
});
