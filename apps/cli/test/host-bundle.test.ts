import fs from 'node:fs';
import path from 'node:path';
import { bin, cli, scratch, write } from './helpers.js';

// The build bundles the CLI (scripts/bundle-host.mjs → dist/): the CLI starts the host entry
// with its setup built in (dist/host/script-host.mjs), and with LLMSPELL_HOST_BUNDLE=0 the
// runtime's own entry, which imports the setup module (dist/script-host.js).
// Every other CLI test runs through the bundle; this one checks it is the one in use and
// that both entries give the same run, lazily loaded parts (state, an agent's provider, the JS engine) included.
describe('the bundled script host', () => {
  const dist = path.dirname(bin);

  test('the build made it: the host entry, shared chunks, and the engines\' WASM beside them', () => {
    expect(fs.existsSync(path.join(dist, 'host/script-host.mjs'))).toBe(true);
    // Node 20's entry: the loader and the one-file CommonJS bundle it compiles through the code cache
    expect(fs.existsSync(path.join(dist, 'host/script-host-cached.cjs'))).toBe(true);
    expect(fs.readFileSync(path.join(dist, 'script-host.bundle.cjs'), 'latin1')).toMatch(/^[\x00-\x7f]*$/);
    for (const wasm of ['glue.wasm', 'emscripten-module.wasm']) expect(fs.existsSync(path.join(dist, wasm))).toBe(true);
    expect(fs.readdirSync(dist).some((f) => /^chunk-.*\.js$/.test(f))).toBe(true);
  });

  test('the one-file bundle imports Node builtins through require (no ES module loader in the host for them), other modules through the loader', () => {
    const code = fs.readFileSync(path.join(dist, 'script-host.bundle.cjs'), 'latin1');
    const builtins = [...code.matchAll(/__llmspellImportBuiltin\("([^"]+)"\)/g)].map((m) => m[1]);
    // wasmoon's glue imports 'module' on every Lua start
    expect(builtins).toContain('module');
    const routed = [...code.matchAll(/__llmspellImport\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(routed.filter((id) => builtins.includes(id) || id.startsWith('node:'))).toEqual([]);
  });

  test('the launcher (the package\'s bin) is one small CommonJS file that loads the rest of the CLI after it', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dist, '../package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(manifest.bin.llmspell).toBe('./dist/bin.cjs');
    const launcher = fs.readFileSync(path.join(dist, 'bin.cjs'), 'utf8');
    expect(launcher.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(launcher.length).toBeLessThan(64 * 1024);
    expect(launcher).not.toMatch(/require\("\.\/chunk-/);
    expect(launcher).toContain('import("./bin-main.js")');
  });

  test.each(['lua', 'js'])('a %s run gives the same result from the bundle and from the module graph', async (ext) => {
    const dir = scratch();
    const source = ext === 'lua'
      ? 'State.save("custom:t", "k", { n = 2 })\nlocal a = Agent.create({ name = "b", model = "openai/gpt-4o-mini" })\nreturn { tool = Tool.invoke("calculator", { input = "6*7" }).result.result, state = State.load("custom:t", "k").n, agent = type(a.invoke), tools = #Tool.list() }'
      : 'await State.save("custom:t", "k", { n: 2 });\nconst r = await Tool.invoke("calculator", { input: "6*7" });\nexport default { tool: r.result.result, state: (await State.load("custom:t", "k")).n, agent: typeof (await Agent.create({ name: "b", model: "openai/gpt-4o-mini" })).invoke, tools: Tool.list().length };';
    write(dir, `s.${ext}`, source);
    const bundled = await cli(['run', '--verbose', `s.${ext}`], { cwd: dir, env: { OPENAI_API_KEY: 'sk-never-used' } });
    const graph = await cli(['run', '--verbose', `s.${ext}`], { cwd: dir, env: { OPENAI_API_KEY: 'sk-never-used', LLMSPELL_HOST_BUNDLE: '0' } });
    expect(bundled.code).toBe(0);
    expect(graph.code).toBe(0);
    expect(bundled.stderr).toMatch(/\[debug\] script host: child process \d+, bundled entry/);
    expect(graph.stderr).toMatch(/\[debug\] script host: child process \d+, module graph/);
    const result = (out: string) => JSON.parse(out.trim().split('\n').pop()!);
    expect(result(bundled.stdout)).toEqual(result(graph.stdout));
    expect(result(bundled.stdout)).toMatchObject({ tool: 42, state: 2, agent: 'function' });
  });

  test('the bundle also serves a worker-thread host', async () => {
    const dir = scratch();
    write(dir, 'w.lua', 'return Tool.invoke("text_manipulator", { operation = "uppercase", input = "ok" }).result');
    const run = await cli(['run', '--verbose', 'w.lua'], { cwd: dir, env: { LLMSPELL_ISOLATION: 'worker' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/\[debug\] script host: worker thread, bundled entry/);
    expect(run.stdout.trim().split('\n').pop()).toBe('OK');
  });

  test('a run loads no Node builtin at start that only some tools use (each loads on first use)', async () => {
    const dir = scratch();
    // each process (the CLI and its host) writes the modules Node has loaded, as it goes and as it
    // exits, whole or not at all (its supervisor may kill the host in the middle of a write)
    write(dir, 'loaded.cjs', `const fs = require('fs');
const file = require('path').join(${JSON.stringify(dir)}, 'loaded-' + process.pid + '.txt');
const write = () => { fs.writeFileSync(file + '.tmp', process.moduleLoadList.join('\\n')); fs.renameSync(file + '.tmp', file); };
process.on('exit', write);
setInterval(write, 5).unref();`);
    write(dir, 'hello.lua', 'return Tool.invoke("calculator", { input = "6*7" }).result.result');
    const run = await cli(['run', 'hello.lua'], { cwd: dir, env: { NODE_OPTIONS: `--require ${path.join(dir, 'loaded.cjs')}` } });
    expect(run.code).toBe(0);
    const lists = fs.readdirSync(dir).filter((f) => /^loaded-\d+\.txt$/.test(f)).map((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'));
    expect(lists).toHaveLength(2);
    for (const loaded of lists) {
      expect(loaded).toContain('NativeModule child_process'); // Node's own list: a forked host and its CLI both have child_process
      // fs/promises (and the readline it loads), dns and worker_threads wait for the tools and hosts that use them
      for (const lazy of ['fs/promises', 'dns', 'worker_threads']) expect(loaded).not.toContain(`NativeModule ${lazy}`);
    }
    const host = lists.find((loaded) => !loaded.includes('NativeModule internal/util/parse_args/parse_args'));
    expect(host).not.toContain('NativeModule internal/fs/promises');
  });
});
