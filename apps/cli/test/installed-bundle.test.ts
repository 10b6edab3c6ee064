import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bin, repoRoot, scratch, write, type CliRun } from './helpers.js';

// The package ships dist/ (the bundle) with better-sqlite3 as its one dependency. These tests
// install it that way, without the workspace's node_modules, and use it as a user would: a
// missing piece of the bundle fails here. The e2e publish test does the same from a registry.
const cliDir = path.dirname(path.dirname(bin));
const manifest = JSON.parse(fs.readFileSync(path.join(cliDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; files: string[]; bin: Record<string, string> };

/** A prefix holding node_modules/@llmspell/cli (its published files) and its dependencies only. */
function installBundle(): { prefix: string; bin: string } {
  const prefix = scratch();
  const pkg = path.join(prefix, 'node_modules/@llmspell/cli');
  fs.mkdirSync(pkg, { recursive: true });
  // What npm packs: the manifest's `files` (plain paths, no globs) and package.json.
  for (const entry of [...manifest.files, 'package.json']) {
    fs.cpSync(path.join(cliDir, entry), path.join(pkg, entry), { recursive: true });
  }
  const fromCli = createRequire(path.join(cliDir, 'package.json'));
  for (const dep of Object.keys(manifest.dependencies)) {
    fs.symlinkSync(path.dirname(fromCli.resolve(`${dep}/package.json`)), path.join(prefix, 'node_modules', dep), 'dir');
  }
  // the file npm links as `llmspell`
  return { prefix, bin: path.join(pkg, manifest.bin.llmspell) };
}

function run(binFile: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binFile, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, XDG_DATA_HOME: path.join(cwd, '.data'), XDG_CONFIG_HOME: path.join(cwd, '.config'), NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the CLI as its package installs it (the bundle and better-sqlite3, nothing else)', () => {
  const installed = installBundle();

  test('the manifest depends on the native addon only, and ships the bundle with its notices', () => {
    expect(Object.keys(manifest.dependencies)).toEqual(['better-sqlite3']);
    expect(manifest.files).toContain('dist');
    const dist = path.join(cliDir, 'dist');
    const notices = fs.readFileSync(path.join(dist, 'THIRD_PARTY_NOTICES.md'), 'utf8');
    for (const pkg of ['zod', 'ai', 'wasmoon', 'quickjs-emscripten-core', 'smol-toml']) expect(notices).toMatch(new RegExp(`^## ${pkg} \\d`, 'm'));
    expect(notices).toContain('Permission is hereby granted');
    // no source maps, no test helpers
    const files = fs.readdirSync(dist, { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const code = files.filter((f) => /\.[cm]?js$/.test(f)).map((f) => fs.readFileSync(path.join(dist, f), 'utf8')).join('\n');
    expect(code).not.toMatch(/startOpenAiCompatibleServer|startLoopbackServer|@jest\/|from ?"jest"/);
  });

  test('runs Lua and JavaScript with tools and SQLite state, and a script error names the file and line', async () => {
    const dir = scratch();
    write(dir, 's.lua', 'State.save("custom:t", "k", { n = 2 })\nreturn { tool = Tool.invoke("calculator", { input = "6*7" }).result.result, state = State.load("custom:t", "k").n }');
    write(dir, 'bad.js', 'const a = 1;\nundefinedThing.call();\n');
    const version = await run(installed.bin, ['--version'], dir);
    expect(version.stdout.trim()).toMatch(/^llmspell \d+\.\d+\.\d+/);
    // `node dist/bin.js`, as older instructions say, is the same CLI
    const viaBinJs = await run(path.join(path.dirname(installed.bin), 'bin.js'), ['run', 's.lua'], dir);
    expect([viaBinJs.code, JSON.parse(viaBinJs.stdout.trim().split('\n').pop()!)]).toEqual([0, { tool: 42, state: 2 }]);
    const lua = await run(installed.bin, ['run', 's.lua'], dir);
    expect(lua.stderr).toBe('');
    expect(JSON.parse(lua.stdout.trim().split('\n').pop()!)).toEqual({ tool: 42, state: 2 });
    // the state went through better-sqlite3 into a file
    expect(fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.(db|sqlite3?)$/.test(f))).not.toEqual([]);
    const bad = await run(installed.bin, ['run', 'bad.js'], dir);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/bad\.js:2/);
    const tools = await run(installed.bin, ['tools', 'list'], dir);
    expect(tools.code).toBe(0);
    expect(tools.stdout).toContain('web_scraper');
  });

  // better-sqlite3's JavaScript is in the host bundle (so in the host's code cache); its native
  // addon is loaded from the installed package. Another installed version loads whole, as before.
  test('SQLite state through the bundled better-sqlite3 JavaScript, or the installed package when its version differs', async () => {
    const loads = async (prefixBin: string) => {
      const dir = scratch();
      write(dir, 's.lua', 'State.save("custom:t", "k", { n = 3 })\nreturn State.load("custom:t", "k").n');
      const r = await run(prefixBin, ['run', 's.lua'], dir, { NODE_DEBUG: 'module' });
      expect([r.code, r.stdout.trim().split('\n').pop()]).toEqual([0, '3']);
      return [...r.stderr.matchAll(/load "([^"]+)"/g)].map((m) => m[1]).filter((f) => f.includes('better-sqlite3') || f.includes('better_sqlite3'));
    };
    const same = await loads(installed.bin);
    expect(same.filter((f) => f.endsWith('.js'))).toEqual([]);
    expect(same.some((f) => f.endsWith('build/Release/better_sqlite3.node'))).toBe(true);

    // the same package under another version number: the bundled code is not used with it
    const other = installBundle();
    const real = fs.realpathSync(path.join(other.prefix, 'node_modules/better-sqlite3'));
    const copy = path.join(other.prefix, 'node_modules/better-sqlite3');
    fs.rmSync(copy);
    fs.cpSync(real, copy, { recursive: true, filter: (f) => !f.includes(`${path.sep}deps${path.sep}`) && !f.includes(`${path.sep}src${path.sep}`) });
    const pkg = JSON.parse(fs.readFileSync(path.join(copy, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    fs.writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ ...pkg, version: '0.0.0-other' }));
    const fromReal = createRequire(path.join(real, 'package.json'));
    for (const dep of ['bindings', 'file-uri-to-path']) {
      fs.symlinkSync(path.dirname(createRequire(fromReal.resolve('bindings')).resolve(`${dep}/package.json`)), path.join(copy, '..', dep), 'dir');
    }
    const otherLoads = await loads(other.bin);
    expect(otherLoads).toContain(path.join(fs.realpathSync(copy), 'lib/database.js'));
  });

  test('a tool plugin with its own @llmspell/core: its errors keep their code, its zod schemas validate and describe', async () => {
    const dir = scratch();
    // the example plugin resolves @llmspell/core from its own node_modules: another copy than the bundle's
    const plugin = path.join(repoRoot, 'examples/tool-plugin');
    expect(fs.realpathSync(path.join(plugin, 'node_modules/@llmspell/core'))).toBe(path.join(repoRoot, 'packages/core'));
    write(dir, 'llmspell.toml', `[tools]\nplugins = [${JSON.stringify(plugin)}]\n`);
    write(dir, 'p.lua', [
      'local ok = Tool.invoke("word_stats", { input = "a b a" })',
      'local ok2, refused = pcall(Tool.invoke, "slugify", { input = "!!!" })',
      'local ok3, bad = pcall(Tool.invoke, "word_stats", { input = 5 })',
      'return { words = ok.result.words, top = #ok.result.frequent, refused = refused, bad = bad }',
    ].join('\n'));
    const r = await run(installed.bin, ['run', 'p.lua'], dir);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    // the plugin's LlmspellError (its own class) keeps its code: not wrapped as another error
    expect(out).toEqual({
      words: 3,
      top: 2,
      refused: "INVALID_ARGUMENT: slugify: parameter 'input' has no letters or digits",
      bad: expect.stringMatching(/^INVALID_ARGUMENT: word_stats: parameter 'input': .*expected string/),
    });
    const show = await run(installed.bin, ['tools', 'show', 'word_stats', '--output', 'json'], dir);
    expect(show.code).toBe(0);
    expect(JSON.stringify(JSON.parse(show.stdout))).toContain('How many frequent words to list');
  });

  test('an add-on that is not installed gets its install hint', async () => {
    const dir = scratch();
    const mcp = await run(installed.bin, ['mcp', 'list'], dir);
    expect(mcp.code).not.toBe(0);
    expect(mcp.stderr).toContain('PACKAGE_NOT_INSTALLED');
    expect(mcp.stderr).toContain('npm i -g @llmspell/mcp');
  });

  test('the programmatic API loads from the install', () => {
    const entry = path.join(installed.prefix, 'node_modules/@llmspell/cli/dist/index.js');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      const m = await import(${JSON.stringify(entry)});
      const parsed = m.parseArgs(['run', 'x.lua']);
      console.log(JSON.stringify({ exports: Object.keys(m).sort(), command: parsed.command ?? parsed.positionals?.[0], tools: m.BUNDLED_TOOL_PACKAGES.length }));
    `], { encoding: 'utf8', cwd: installed.prefix });
    const result = JSON.parse(out);
    expect(result.exports).toEqual(['BUNDLED_TOOL_PACKAGES', 'loadTools', 'main', 'parseArgs', 'splitScriptArgs']);
    expect(result.command).toBe('run');
    expect(result.tools).toBeGreaterThan(5);
  });

  test('the published types compile in a TypeScript program without @llmspell/core installed', () => {
    const consumer = path.join(installed.prefix, 'consumer.ts');
    fs.writeFileSync(path.join(installed.prefix, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.writeFileSync(consumer, [
      "import { main, parseArgs, splitScriptArgs, loadTools, BUNDLED_TOOL_PACKAGES, type CliIo, type LoadedTool, type ParsedArgs } from '@llmspell/cli';",
      "const io: CliIo = { stdout: () => {}, stderr: () => {}, isTTY: false, env: {}, cwd: '.' };",
      "const code: Promise<number> = main(['--version'], io);",
      "const parsed: ParsedArgs = parseArgs(['run', 'x.lua']);",
      "const named: Record<string, string> = splitScriptArgs(['--a', 'b']).named;",
      "const tools: Promise<LoadedTool[]> = loadTools({ tools: { packages: [], plugins: [] } });",
      "const names: readonly string[] = BUNDLED_TOOL_PACKAGES;",
      "void tools.then((list) => list.map((t) => `${t.name}: ${t.description} (${t.category})`));",
      'export { code, parsed, named, names };',
    ].join('\n'));
    // The repository's TypeScript and @types/node, so the program sees the package as a user's would.
    const ts = createRequire(path.join(repoRoot, 'package.json'))('typescript') as typeof import('typescript');
    const program = ts.createProgram([consumer], {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: ['node'],
      typeRoots: [path.join(repoRoot, 'node_modules/@types')],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
    // The declarations the program read are the installed package's own.
    const read = program.getSourceFiles().map((f) => f.fileName).filter((f) => f.includes('@llmspell/'));
    expect(read.some((f) => f.endsWith('node_modules/@llmspell/cli/lib/index.d.ts'))).toBe(true);
    expect(read.filter((f) => !f.includes('node_modules/@llmspell/cli/'))).toEqual([]);
  });
});
