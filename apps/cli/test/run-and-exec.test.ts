import fs from 'node:fs';
import path from 'node:path';
import { cli, repoRoot, scratch, write } from './helpers.js';

describe('llmspell run / exec', () => {
  test('the demo scripts run in both languages and agree', async () => {
    const lua = await cli(['run', path.join(repoRoot, 'examples/hello.lua'), '--', 'Ada']);
    const js = await cli(['run', path.join(repoRoot, 'examples/hello.js'), '--', 'Ada']);
    expect(lua.stderr).toBe('');
    expect(lua.code).toBe(0);
    expect(js.code).toBe(0);
    expect(lua.stdout).toContain('Hello, Ada!');
    expect(lua.stdout).toContain('sqrt(16) + 2^3 = 12');
    const luaResult = JSON.parse(lua.stdout.trim().split('\n').pop()!);
    const jsResult = JSON.parse(js.stdout.trim().split('\n').pop()!);
    expect(luaResult).toEqual(jsResult);
    expect(luaResult).toMatchObject({ greeting: 'Hello, Ada!', answer: 12, uuid_length: 36 });
  });

  test('ARGS: positional and named, 1-based in Lua and 0-based in JS', async () => {
    const dir = scratch();
    write(dir, 'a.lua', 'return { first = ARGS[1], second = ARGS[2], name = ARGS.name, flag = ARGS.verbose, n = #ARGS }');
    write(dir, 'a.js', 'export default { first: ARGS[0], second: ARGS[1], name: ARGS.name, flag: ARGS.verbose, n: ARGS.length };');
    const args = ['--', 'x', '--name', 'Ada', 'y', '--verbose'];
    const lua = await cli(['run', 'a.lua', ...args], { cwd: dir });
    const js = await cli(['run', 'a.js', ...args], { cwd: dir });
    const expected = { first: 'x', second: 'y', name: 'Ada', flag: 'true', n: 2 };
    expect(JSON.parse(lua.stdout)).toEqual(expected);
    expect(JSON.parse(js.stdout)).toEqual(expected);
  });

  test('output formats', async () => {
    const dir = scratch();
    write(dir, 's.lua', 'print("side")\nreturn { a = 1, b = { 2, 3 } }');
    const text = await cli(['run', 's.lua'], { cwd: dir });
    expect(text.stdout).toBe('side\n{"a":1,"b":[2,3]}\n');
    const json = await cli(['--output', 'json', 'run', 's.lua'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, result: { a: 1, b: [2, 3] }, output: ['side'] });
    const pretty = await cli(['run', 's.lua', '--output', 'pretty'], { cwd: dir });
    expect(pretty.stdout).toMatch(/^Console Output:\n  side\nOutput: \{[\s\S]*Engine: lua\nExecution time: \d+ms/);
    write(dir, 'str.lua', 'return "plain"');
    expect((await cli(['run', 'str.lua'], { cwd: dir })).stdout).toBe('plain\n');
    write(dir, 'nil.lua', 'local x = 1');
    expect((await cli(['run', 'nil.lua'], { cwd: dir })).stdout).toBe('');
  });

  test('script errors: file:line on stderr, exit 1; usage errors exit 2', async () => {
    const dir = scratch();
    write(dir, 'bad.lua', 'local x = 1\n\nerror("broken here")\n');
    const bad = await cli(['run', 'bad.lua'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^SCRIPT_ERROR: bad\.lua:3: .*broken here/m);
    write(dir, 'bad.js', 'const x = 1;\nthrow new Error("js broken");\n');
    const badJs = await cli(['run', 'bad.js'], { cwd: dir });
    expect(badJs.code).toBe(1);
    expect(badJs.stderr).toMatch(/^SCRIPT_ERROR: bad\.js:2: .*js broken/m);
    write(dir, 'syntax.lua', 'local = = 3');
    const syn = await cli(['run', 'syntax.lua'], { cwd: dir });
    expect(syn.code).toBe(1);
    expect(syn.stderr).toMatch(/syntax\.lua:1:/);
    expect((await cli(['run'], { cwd: dir })).code).toBe(2);
    expect((await cli(['frobnicate'], { cwd: dir })).code).toBe(2);
    expect((await cli(['run', 'x.lua', '--engine', 'python'], { cwd: dir })).stderr).toMatch(/not available|not found/);
    const missing = await cli(['run', 'nope.lua'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Script file not found: nope.lua');
    fs.mkdirSync(path.join(dir, 'scripts'));
    const folder = await cli(['run', 'scripts'], { cwd: dir });
    expect([folder.code, folder.stderr]).toEqual([1, 'INVALID_ARGUMENT: scripts is a directory, not a script file\n']);
    // every command that takes a script path says the same (validate crashed with EISDIR)
    expect((await cli(['validate', 'scripts'], { cwd: dir })).stderr).toBe('INVALID_ARGUMENT: scripts is a directory, not a script file\n');
    expect((await cli(['mcp', 'serve', '--script', 'scripts'], { cwd: dir, input: '' })).stderr).toBe('INVALID_ARGUMENT: --script scripts: scripts is a directory, not a script file\n');
    // and validate picks the engine as run does: LLMSPELL_ENGINE for a file without a known extension
    write(dir, 'answer', 'export default 6 * 7;');
    expect((await cli(['validate', 'answer'], { cwd: dir, env: { LLMSPELL_ENGINE: 'javascript' } })).stdout).toBe('answer: ok (javascript)\n');
  });

  test('a tool error carries its code; pcall and try/catch see it', async () => {
    const dir = scratch();
    write(dir, 'e.lua', `local ok, err = pcall(Tool.invoke, "calculator", { input = 42 })
return { ok = ok, starts = tostring(err):match("^INVALID_ARGUMENT") ~= nil, names = tostring(err):find("input", 1, true) ~= nil }`);
    write(dir, 'e.js', `try { await Tool.invoke("calculator", { input: 42 }); print("no error"); } catch (e) { print(e.code); }
let r; try { await Tool.invoke("no_such_tool", {}); } catch (e) { r = e.code; }
export default r;`);
    expect(JSON.parse((await cli(['run', 'e.lua'], { cwd: dir })).stdout)).toEqual({ ok: false, starts: true, names: true });
    const js = await cli(['run', 'e.js'], { cwd: dir });
    expect(js.stdout.trim().split('\n')).toEqual(['INVALID_ARGUMENT', 'TOOL_NOT_FOUND']);
  });

  test('exec runs inline code in either engine', async () => {
    expect((await cli(['exec', 'return 6 * 7'])).stdout).toBe('42\n');
    expect((await cli(['exec', '--engine', 'js', 'export default 6 * 7'])).stdout).toBe('42\n');
    expect((await cli(['exec', 'print(Utils.hash("a"):sub(1, 8))'])).stdout).toBe('ca978112\n');
  });

  test('run - reads the script from standard input, in either engine, with its arguments', async () => {
    const lua = await cli(['run', '-', '--', 'x'], { input: 'print("from stdin") return ARGS[1] .. #Tool.list()' });
    expect(lua.code).toBe(0);
    expect(lua.stdout).toMatch(/^from stdin\nx\d+\n$/);
    const js = await cli(['run', '--engine', 'js', '-'], { input: 'export default 6 * 7;' });
    expect(js.stdout).toBe('42\n');
    // an error names the script as <stdin>, with its line
    const bad = await cli(['run', '-'], { input: 'local a = 1\nerror("boom")' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/<stdin>\.lua:2: boom/);
  });

  test('validate checks syntax without running', async () => {
    const dir = scratch();
    write(dir, 'ok.lua', 'print("would print")');
    write(dir, 'broken.js', 'const = ;');
    const ok = await cli(['validate', 'ok.lua'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).not.toContain('would print');
    const broken = await cli(['validate', 'broken.js'], { cwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.js:1:/);
  });
});

describe('hostile scripts', () => {
  test.each([
    ['loop.lua', 'while true do end', 'SCRIPT_TIMEOUT'],
    ['loop.js', 'while (true) {}', 'SCRIPT_TIMEOUT'],
    ['bomb.lua', 'local t = {} while true do t[#t + 1] = string.rep("x", 1000000) .. #t end', 'SCRIPT_MEMORY_LIMIT'],
    ['bomb.js', 'const a = []; while (true) a.push("x".repeat(1000000) + a.length);', 'SCRIPT_MEMORY_LIMIT'],
    ['deep.lua', 'local function f(n) return 1 + f(n + 1) end return f(1)', 'SCRIPT_STACK_OVERFLOW'],
    ['deep.js', 'function f(n) { return 1 + f(n + 1); } f(1);', 'SCRIPT_STACK_OVERFLOW'],
  ])('%s ends with %s and the process exits cleanly', async (file, source, code) => {
    const dir = scratch();
    write(dir, file, source);
    // Runaway recursion is checked at the default memory limit: with a tiny heap Lua's
    // growing stack hits the memory cap first, which is also a clean stop.
    const limits = file.startsWith('deep') ? ['--timeout', '10'] : ['--timeout', '2', '--max-memory', '32'];
    const r = await cli(['run', file, ...limits], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(code);
  });

  test.each([
    ['io.lua', 'return io.open("/etc/passwd")'],
    ['os.lua', 'return os.execute("id")'],
    ['req.lua', 'return require("os")'],
    ['dofile.lua', 'return dofile("/etc/passwd")'],
    ['proc.js', 'export default process.env'],
    ['req.js', 'export default require("fs")'],
    ['fetch.js', 'export default await fetch("http://example.com")'],
    ['import.js', 'const fs = await import("fs"); export default fs;'],
  ])('%s cannot reach the host', async (file, source) => {
    const dir = scratch();
    write(dir, file, source);
    const r = await cli(['run', file], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('root:');
  });

  test('os.time and friends still work in Lua', async () => {
    const r = await cli(['exec', 'return type(os.time()) == "number" and type(os.clock()) == "number" and os.date("%Y") ~= nil']);
    expect(r.stdout).toBe('true\n');
  });

  test('a file tool cannot leave the allowed roots', async () => {
    const dir = scratch();
    write(dir, 'escape.lua', 'local ok, err = pcall(Tool.invoke, "file_operations", { operation = "read", path = "/etc/passwd" }) return tostring(err)');
    const r = await cli(['run', 'escape.lua'], { cwd: dir, env: { LLMSPELL_ALLOWED_PATHS: dir } });
    expect(r.stdout).toMatch(/^PATH_NOT_ALLOWED/);
  });
});

describe('config', () => {
  test('a bad config value names the file, key and line', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', '[runtime]\nscript_timeout_seconds = "never"\n');
    const r = await cli(['exec', 'return 1'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(dir, 'llmspell.toml')}:2: invalid value for 'runtime.script_timeout_seconds'`);
  });

  test('config show masks secrets; env overrides apply with --config', async () => {
    const dir = scratch();
    write(dir, 'my.toml', '[providers.providers.p]\nprovider_type = "openai"\napi_key = "sk-abcdefghijklmnopqrstuvwxyz"\n');
    const r = await cli(['-c', 'my.toml', 'config', 'show', '--output', 'json'], { cwd: dir, env: { LLMSPELL_ALLOW_PRIVATE_NETWORK: 'true' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('sk-abcdefghijklmnopqrstuvwxyz');
    const shown = JSON.parse(r.stdout);
    expect(shown.providers.providers.p.api_key).toBe('[REDACTED]');
    expect(shown.runtime.security.allow_private_network).toBe(true);
  });

  test('Config global reads the merged config', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', '[runtime]\nscript_timeout_seconds = 42\n');
    expect((await cli(['exec', 'return Config.get("runtime.script_timeout_seconds")'], { cwd: dir })).stdout).toBe('42\n');
  });
});

describe('discoverability', () => {
  test('--version, --help everywhere, tools list/show, info, completion, init', async () => {
    expect((await cli(['--version'])).stdout).toMatch(/^llmspell \d+\.\d+\.\d+/);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Commands:');
    for (const c of ['run', 'exec', 'tools', 'init', 'completion', 'validate', 'info', 'config', 'providers']) {
      const h = await cli([c, '--help']);
      expect([c, h.code]).toEqual([c, 0]);
      expect(h.stdout).toContain('Examples:');
    }
    const list = await cli(['tools', 'list', '--output', 'json']);
    const names = JSON.parse(list.stdout).map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['calculator', 'uuid_generator', 'file_operations']));
    const show = await cli(['tools', 'show', 'calculator']);
    expect(show.stdout).toContain('Parameters:');
    expect(show.stdout).toContain('Tool.invoke("calculator"');
    expect((await cli(['tools', 'show', 'nope'])).stderr).toContain('TOOL_NOT_FOUND');
    const info = JSON.parse((await cli(['info', '--output', 'json'])).stdout);
    expect(info.engines.map((e: { name: string }) => e.name)).toEqual(['lua', 'javascript']);
    for (const shell of ['bash', 'zsh', 'fish']) expect((await cli(['completion', shell])).stdout).toContain('llmspell');
    const dir = scratch();
    const init = await cli(['init', 'proj'], { cwd: dir });
    expect(init.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'proj/llmspell.toml'))).toBe(true);
    const runInit = await cli(['run', 'main.lua', '--', 'you'], { cwd: path.join(dir, 'proj') });
    expect(runInit.stdout).toContain('Hello, you! 6 * 7 = 42');
  });
});

describe('optional packages and plugins', () => {
  test('a package named in the config but not installed says what to install', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', '[tools]\npackages = ["@llmspell/tools-not-there"]\n');
    const r = await cli(['exec', 'return 1'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PACKAGE_NOT_INSTALLED: [tools] packages needs the package '@llmspell/tools-not-there': install it next to the CLI (`npm i -g @llmspell/tools-not-there`) or in your project (`npm i @llmspell/tools-not-there`); from a source checkout of llmspell: `pnpm install-global @llmspell/tools-not-there`");
  });

  test('the media tools load when the config names them', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', '[tools]\npackages = ["@llmspell/tools-media"]\n');
    const r = await cli(['exec', 'return Tool.exists("image_processor") and not Tool.exists("nope")'], { cwd: dir });
    expect(r.stdout).toBe('true\n');
    const without = await cli(['exec', 'return Tool.exists("image_processor")']);
    expect(without.stdout).toBe('false\n');
  });

  test('a third-party plugin from the project node_modules appears next to the built-ins', async () => {
    const dir = scratch();
    const plugin = path.join(repoRoot, 'examples/tool-plugin');
    fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    fs.symlinkSync(plugin, path.join(dir, 'node_modules', 'llmspell-example-tool-plugin'));
    write(dir, 'llmspell.toml', '[tools]\nplugins = ["llmspell-example-tool-plugin"]\n');
    write(dir, 'p.lua', 'return { slug = Tool.invoke("slugify", { input = "Hello, World!" }).result, listed = Tool.exists("word_stats") }');
    const r = await cli(['run', 'p.lua'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ listed: true, slug: 'hello-world' });
  });
});

describe('limits a workflow cannot swallow', () => {
  test('the memory limit hit inside a workflow step ends the script, not just the step', async () => {
    const dir = scratch();
    write(dir, 'm.lua', 'local wf = Workflow.sequential({ name = "m", steps = { { name = "s", execute = function() local t = {} for i = 1, 1e8 do t[i] = string.rep("x", 100) .. i end end } } })\nlocal r = wf:execute()\nprint("continued", r.success)');
    const r = await cli(['--max-memory', '16', 'run', 'm.lua'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('SCRIPT_MEMORY_LIMIT: m.lua: script exceeded its memory limit');
  });

  test('the memory limit hit inside a hook ends the script, also when the tool call went asynchronous (a tool loaded on first use)', async () => {
    const dir = scratch();
    write(dir, 'h.lua', 'Hook.register("BeforeToolExecution", function(ctx) local t = {} for i = 1, 1e8 do t[i] = string.rep("x", 100) .. i end end)\nprint(pcall(Tool.invoke, "uuid_generator", {}))\nprint("continued")');
    const r = await cli(['--max-memory', '16', 'run', 'h.lua'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('SCRIPT_MEMORY_LIMIT: h.lua: script exceeded its memory limit');
  });

  test('a workflow that is its own step ends with one clear error, not a crash of the host', async () => {
    const dir = scratch();
    write(dir, 'w.lua', 'local b = Workflow.sequential({ name = "b", steps = { { name = "n", workflow = "b" } } })\nlocal r = b:execute()\nreturn { ok = r.success, error = tostring(r.error), location = r.error.location }');
    const r = await cli(['run', 'w.lua'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: "WORKFLOW_ERROR: step 'n': workflows nested more than 64 deep (does 'b' run itself?)", location: 'n' });
  });
});

describe('values leaving a script', () => {
  test('a function in a result is left out as JSON leaves it; an own __proto__ key stays a key; JSON.stringify of a function is an error', async () => {
    const dir = scratch();
    write(dir, 'r.lua', 'return { f = print, a = 1, ["__proto__"] = { x = 1 } }');
    const lua = JSON.parse((await cli(['run', 'r.lua'], { cwd: dir })).stdout);
    expect(Object.keys(lua).sort()).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(lua, '__proto__')?.value).toEqual({ x: 1 });
    write(dir, 'r.js', 'export default { f() {}, b: 2, ["__proto__"]: { y: 1 } }');
    expect(JSON.parse((await cli(['run', 'r.js', '--output', 'json'], { cwd: dir })).stdout).result).toEqual(JSON.parse('{"b":2,"__proto__":{"y":1}}'));
    write(dir, 'j.lua', 'return JSON.stringify({ f = function() end })');
    const j = await cli(['run', 'j.lua'], { cwd: dir });
    expect(j.code).toBe(1);
    expect(j.stderr).toContain("INVALID_ARGUMENT: j.lua:1: JSON stringify error: a function cannot be written as JSON (at key 'f')");
    write(dir, 'l.lua', 'Logger.info("seen", { f = print, n = 1 })');
    expect((await cli(['run', 'l.lua'], { cwd: dir })).stderr).toContain('{"f":"[function]","n":1}');
  });
});

describe('rs-llmspell script compatibility', () => {
  test('io.write and os.execute("sleep N") work; other commands and files do not', async () => {
    const dir = scratch();
    write(dir, 'c.lua', 'io.write("x", 1) io.write("y\\n") os.execute("sleep 0.01")\nlocal ok = pcall(os.execute, "rm -rf /")\nreturn { ok = ok, env = os.getenv("HOME") == nil }');
    const r = await cli(['run', 'c.lua'], { cwd: dir });
    expect(r.stdout).toBe('x1y\n{"env":true,"ok":false}\n');
  });

  test('a line io.write leaves open is printed when the script ends, also when it fails; io.flush exists', async () => {
    const dir = scratch();
    write(dir, 'w.lua', 'io.write("a", 2) print("b") io.write("c\\nd") io.flush() io.write("e")');
    const r = await cli(['run', 'w.lua'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('a2b\nc\nde\n');
    write(dir, 'f.lua', 'io.write("progress 50%") error("boom")');
    const failed = await cli(['run', 'f.lua'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('progress 50%\n');
    expect(failed.stderr).toContain('f.lua:1: boom');
  });

  test('a secret written in two io.write pieces is still redacted', async () => {
    const dir = scratch();
    const secret = 'sk-abcdefghij0123456789klmn';
    write(dir, 's.lua', `io.write("key ${secret.slice(0, 9)}") io.write("${secret.slice(9)} end")`);
    const r = await cli(['run', 's.lua'], { cwd: dir, env: { OPENAI_API_KEY: secret } });
    expect(r.stdout).toBe('key [REDACTED] end\n');
  });
});
