// The packages as a user gets them: every public workspace package published to a throwaway
// registry with changesets' release path, then installed with npm in an empty HOME, outside the
// repository, and used: the CLI, optional packages beside it and in a project, a third-party
// plugin, the mock LLM server through npx, and a plugin made by `llmspell init --tool-plugin`.
// Third-party dependencies come through the registry's uplink (npm's configured registry);
// better-sqlite3 compiles from source here, which is most of the time this takes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  binTargets,
  exportTargets,
  publicWorkspacePackages,
  publishWorkspace,
  readManifest,
  registryGet,
  RegistryUnavailableError,
  repoRoot,
  startLocalRegistry,
  userEnv,
  type LocalRegistry,
  type PackageManifest,
} from '../src/index.js';
import { ok, png, pngSize, run, tempDir, write } from './helpers.js';

const inCi = Boolean(process.env.CI);
const packages = publicWorkspacePackages();
const versionOf = (name: string) => packages.find((p) => p.name === name)!.version;
const work = tempDir('llmspell-e2e-');
const home = path.join(work, 'home');
const prefix = path.join(work, 'prefix');
const project = path.join(work, 'project');
const globalModules = path.join(prefix, 'lib/node_modules');
const timings: Record<string, number> = {};
let registry: LocalRegistry | undefined;
let skipped: string | undefined;
let env: NodeJS.ProcessEnv;

fs.mkdirSync(home);
fs.mkdirSync(project);

/** Runs a command as the user (their PATH has the global prefix's bin first), timed. */
async function user(what: string, command: string, args: string[], options: { cwd?: string; extraEnv?: Record<string, string>; allowFailure?: boolean } = {}) {
  const ran = await run(command, args, { cwd: options.cwd ?? project, env: { ...env, ...options.extraEnv }, timeoutMs: 20 * 60_000 });
  timings[what] = ran.seconds;
  return options.allowFailure ? ran : ok(ran, what);
}

const config = (text: string) => write(project, 'llmspell.toml', text);
const live = () => !skipped;

beforeAll(async () => {
  try {
    registry = await startLocalRegistry();
  } catch (error) {
    if (error instanceof RegistryUnavailableError && !inCi) {
      skipped = error.message;
      process.stderr.write(`\nSKIPPED publish e2e (allowed outside CI only): ${error.message}\n`);
      return;
    }
    // In CI a registry that cannot start is a failure, with its reason.
    throw error;
  }
  env = userEnv({ home, registry: registry.url, prefix });
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  fs.rmSync(work, { recursive: true, force: true });
  if (live()) process.stderr.write(`\npublish e2e timings (s): ${Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('; ')}\n`);
});

/** A package's tarball as the registry serves it, unpacked: its file list and its manifest. */
async function unpackPublished(name: string, version: string): Promise<{ dir: string; files: string[]; manifest: PackageManifest }> {
  const packument = (await (await registryGet(`${registry!.url}${name.replace('/', '%2f')}`)).json()) as { versions: Record<string, { dist: { tarball: string } }> };
  const tarball = write(work, `tarballs/${name.replace('/', '+')}-${version}.tgz`, Buffer.from(await (await registryGet(packument.versions[version].dist.tarball)).arrayBuffer()));
  const dir = path.join(work, 'unpacked', name);
  fs.mkdirSync(dir, { recursive: true });
  ok(await run('tar', ['-xzf', tarball, '-C', dir], { cwd: work, env: process.env }), `tar -xzf ${tarball}`);
  const root = path.join(dir, 'package');
  const files = (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)));
  return { dir: root, files, manifest: readManifest(root) };
}

/**
 * Files no package should ship: sources, tests, build configs. A `__fixtures__` folder may
 * ship: the public `testing` entries replay or run what is in it (agents' recorded answers,
 * mcp's fixture servers).
 */
const NOT_SHIPPED = [/(^|\/)src\/(?!__fixtures__\/)/, /(^|\/)(test|tests|__tests__)\//, /\.(test|spec)\.[cm]?[jt]s(\.map)?$/, /\.tsbuildinfo$/, /(^|\/)tsconfig[^/]*\.json$/, /(^|\/)jest\.config\./, /(^|\/)node_modules\//, /(^|\/)\.turbo\//];

describe('every public package, published and installed as a user would', () => {
  test('changeset publish puts every public package of the workspace on the registry, packed right', async () => {
    if (!live()) return;
    const published = await publishWorkspace(registry!);
    timings['changeset publish'] = published.seconds;
    expect(published.packages.map((p) => p.name)).toEqual(packages.map((p) => p.name));
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@llmspell/cli', '@llmspell/core', '@llmspell/agents', '@llmspell/tools-media', '@llmspell/state-rocksdb']));

    const problems: string[] = [];
    for (const pkg of packages) {
      const { dir, files, manifest } = await unpackPublished(pkg.name, pkg.version);
      const say = (what: string) => problems.push(`${pkg.name}: ${what}`);
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
        for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
          if (range.startsWith('workspace:')) say(`${field}.${dep} is still ${range}`);
          if (dep.startsWith('@llmspell/') && !packages.some((p) => p.name === dep)) say(`${field}.${dep} is not a published package`);
          if (dep.startsWith('@llmspell/') && range !== `^${versionOf(dep)}`) say(`${field}.${dep} is ${range}, not ^${versionOf(dep)}`);
        }
      }
      for (const file of files) if (NOT_SHIPPED.some((re) => re.test(file))) say(`ships ${file}`);
      if (!files.includes('README.md')) say('has no README.md');
      for (const target of exportTargets(manifest)) if (!fs.existsSync(path.join(dir, target))) say(`exports/main/types target ${target} is not in the package`);
      for (const [name, target] of Object.entries(binTargets(manifest))) {
        const file = path.join(dir, target);
        if (!fs.existsSync(file)) say(`bin ${name} → ${target} is not in the package`);
        else if (!fs.readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node')) say(`bin ${name} → ${target} has no node shebang`);
      }
    }
    expect(problems).toEqual([]);
  }, 15 * 60_000);

  test('npm i -g @llmspell/cli in an empty HOME gives a working llmspell: hello.lua and hello.js', async () => {
    if (!live()) return;
    await user('npm i -g @llmspell/cli', 'npm', ['install', '--global', '--prefix', prefix, '@llmspell/cli'], { cwd: work });
    expect(fs.realpathSync(path.join(prefix, 'bin/llmspell'))).toBe(path.join(globalModules, '@llmspell/cli/dist/bin.cjs'));
    expect((await user('llmspell --version', 'llmspell', ['--version'])).stdout).toBe(`llmspell ${versionOf('@llmspell/cli')}\n`);

    fs.copyFileSync(path.join(repoRoot, 'examples/hello.lua'), path.join(project, 'hello.lua'));
    fs.copyFileSync(path.join(repoRoot, 'examples/hello.js'), path.join(project, 'hello.js'));
    const lua = await user('llmspell run hello.lua', 'llmspell', ['run', 'hello.lua', '--', 'Ada']);
    expect(lua.stdout).toContain('Hello, Ada!');
    expect(lua.stdout).toContain('sqrt(16) + 2^3 = 12');
    const js = await user('llmspell run hello.js', 'llmspell', ['run', 'hello.js', '--', 'Ada']);
    expect(js.stdout).toContain('bad expression caught: INVALID_ARGUMENT');
    expect(JSON.parse(js.stdout.trim().split('\n').pop()!)).toMatchObject({ greeting: 'Hello, Ada!', answer: 12, uuid_length: 36 });
    // The default state backend (SQLite, compiled at install) works too.
    const state = await user('llmspell state', 'llmspell', ['exec', 'State.save("global", "k", 1); return State.load("global", "k") + 1']);
    expect(state.stdout).toBe('2\n');
  }, 25 * 60_000);

  test('the installed tree is whole: npm ls finds nothing missing or invalid, and no optional package came along', async () => {
    if (!live()) return;
    const ls = await user('npm ls -g', 'npm', ['ls', '--global', '--prefix', prefix, '--all'], { allowFailure: true });
    expect(ls.stderr).toBe('');
    expect(ls.code).toBe(0);
    const cli = path.join(globalModules, '@llmspell/cli');
    for (const name of ['@llmspell/tools-media', '@llmspell/state-rocksdb', '@llmspell/mcp', '@modelcontextprotocol/sdk', 'express', 'sharp', 'rocksdb']) expect(fs.existsSync(path.join(cli, 'node_modules', name))).toBe(false);
    // The CLI ships as a bundle: beside it only better-sqlite3 (a native addon) and what that needs.
    const cliManifest = readManifest(cli) as PackageManifest & { dependencies?: Record<string, string> };
    expect(Object.keys(cliManifest.dependencies ?? {})).toEqual(['better-sqlite3']);
    const needed = new Set<string>();
    const visit = (name: string) => {
      if (needed.has(name)) return;
      needed.add(name);
      const dir = [path.join(cli, 'node_modules', name), path.join(globalModules, name)].find((d) => fs.existsSync(d))!;
      for (const dep of Object.keys((readManifest(dir) as { dependencies?: Record<string, string> }).dependencies ?? {})) visit(dep);
    };
    visit('better-sqlite3');
    const beside = fs.readdirSync(path.join(cli, 'node_modules')).filter((n) => !n.startsWith('.'))
      .flatMap((n) => (n.startsWith('@') ? fs.readdirSync(path.join(cli, 'node_modules', n)).map((m) => `${n}/${m}`) : [n]));
    expect(beside.filter((n) => !needed.has(n))).toEqual([]);
    // its programmatic API loads from the install
    const api = await user('import @llmspell/cli', process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(path.join(cli, 'dist/index.js'))}); console.log(Object.keys(m).sort().join(','))`]);
    expect(api.stdout.trim()).toBe('BUNDLED_TOOL_PACKAGES,loadTools,main,parseArgs,splitScriptArgs');
  }, 5 * 60_000);

  test('@llmspell/mcp: without it the CLI names it; installed next to the CLI, MCP works both ways', async () => {
    if (!live()) return;
    const missing = await user('mcp serve without @llmspell/mcp', 'llmspell', ['mcp', 'serve'], { allowFailure: true });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("PACKAGE_NOT_INSTALLED: MCP (the MCP global, [mcp.servers], llmspell mcp list and serve) needs the package '@llmspell/mcp'");
    expect(missing.stderr).toContain('`npm i -g @llmspell/mcp`');
    const hello = await user('run without @llmspell/mcp', 'llmspell', ['exec', 'local ok, e = pcall(MCP.connect, {url = "https://example.com/mcp"}); return e']);
    expect(hello.stdout).toContain('npm i -g @llmspell/mcp');

    // The hint, followed: the package's own fixture server is a configured stdio server, and
    // `llmspell mcp serve` (started by a second llmspell, from a folder without a config)
    // serves the built-in tools over stdio.
    await user('npm i -g @llmspell/mcp', 'npm', ['install', '--global', '--prefix', prefix, '@llmspell/mcp'], { cwd: work });
    const served = path.join(work, 'served');
    fs.mkdirSync(served, { recursive: true });
    const fixture = path.join(globalModules, '@llmspell/mcp/src/__fixtures__/fixture-server.mjs');
    config(`[mcp.servers.fixture]\ncommand = "node"\nargs = [${JSON.stringify(fixture)}]\n\n[mcp.servers.self]\ncommand = "llmspell"\nargs = ["mcp", "serve"]\ncwd = ${JSON.stringify(served)}\n`);
    const listed = await user('mcp list', 'llmspell', ['mcp', 'list']);
    expect(listed.stdout).toContain('fixture.echo');
    expect(listed.stdout).toContain('self.calculator');
    write(project, 'mcp.lua', 'return { Tool.invoke("fixture.echo", { message = "hi" }).text, Tool.invoke("self.calculator", { input = "2 + 3" }).text }');
    const both = await user('MCP tools from Lua', 'llmspell', ['run', 'mcp.lua']);
    expect(JSON.parse(both.stdout)).toEqual(['echo: hi', expect.stringContaining('"message": "2 + 3 = 5"')]);
    fs.rmSync(path.join(project, 'llmspell.toml'));
  }, 15 * 60_000);

  test('@llmspell/tools-media installed next to the CLI: the config names it, an image gets resized', async () => {
    if (!live()) return;
    await user('npm i -g @llmspell/tools-media', 'npm', ['install', '--global', '--prefix', prefix, '@llmspell/tools-media'], { cwd: work });
    const without = await user('media tool before the config names it', 'llmspell', ['exec', 'return Tool.exists("image_processor")']);
    expect(without.stdout).toBe('false\n');
    config('[tools]\npackages = ["@llmspell/tools-media"]\n');
    write(project, 'in.png', png(40, 20));
    write(project, 'image.lua', `local r = Tool.invoke("image_processor", { operation = "resize", source_path = "in.png", target_path = "out.png", width = 10 })
local m = Tool.invoke("image_processor", { operation = "metadata", file_path = "out.png" })
return { r.result.width, r.result.height, m.result.format }`);
    const image = await user('image_processor resize', 'llmspell', ['run', 'image.lua']);
    expect(JSON.parse(image.stdout)).toEqual([10, 5, 'png']);
    expect(pngSize(path.join(project, 'out.png'))).toEqual({ width: 10, height: 5 });
    // Its parameters are described, though tools-media brings its own copy of core and zod.
    const shown = await user('tools show image_processor', 'llmspell', ['tools', 'show', 'image_processor']);
    expect(shown.stdout).toContain('target_path');
  }, 15 * 60_000);

  test('@llmspell/state-rocksdb installed in the project: state saved by one run is there in the next', async () => {
    if (!live()) return;
    await user('npm i @llmspell/state-rocksdb (project)', 'npm', ['install', '@llmspell/state-rocksdb']);
    config('[tools]\npackages = ["@llmspell/tools-media"]\n\n[runtime.state_persistence]\nbackend_type = "rocksdb"\npath = "state.rocksdb"\n');
    write(project, 'count.lua', 'local n = (State.load("global", "runs") or 0) + 1\nState.save("global", "runs", n)\nreturn n');
    expect((await user('rocksdb run 1', 'llmspell', ['run', 'count.lua'])).stdout).toBe('1\n');
    expect((await user('rocksdb run 2', 'llmspell', ['run', 'count.lua'])).stdout).toBe('2\n');
    // RocksDB's own files, not the SQLite default.
    expect(fs.existsSync(path.join(project, 'state.rocksdb/CURRENT'))).toBe(true);
    expect((await user('state get', 'llmspell', ['state', 'get', 'global', 'runs'])).stdout.trim()).toBe('2');
  }, 10 * 60_000);

  test('a third-party plugin with @llmspell/core as a peer: published, installed in the project, called', async () => {
    if (!live()) return;
    const fixture = path.join(work, 'reverse-words');
    fs.cpSync(path.join(repoRoot, 'e2e/fixtures/third-party-plugin'), fixture, { recursive: true });
    const manifest = readManifest(fixture);
    manifest.peerDependencies = { '@llmspell/core': `^${versionOf('@llmspell/core')}` };
    write(fixture, 'package.json', JSON.stringify(manifest, null, 2));
    await user('npm publish (plugin)', 'npm', ['publish'], { cwd: fixture, extraEnv: { npm_config_userconfig: registry!.npmrc } });
    await user('npm i plugin (project)', 'npm', ['install', manifest.name]);
    // npm installs the peer: the plugin imports the project's @llmspell/core, not the CLI's.
    expect(readManifest(path.join(project, 'node_modules/@llmspell/core')).version).toBe(versionOf('@llmspell/core'));
    config('[tools]\nplugins = ["@llmspell-e2e/reverse-words"]\n');
    const r = await user('plugin call', 'llmspell', ['exec', 'return Tool.invoke("reverse_words", { input = "one two three" }).result']);
    expect(r.stdout).toBe('three two one\n');
    const bad = await user('plugin bad argument', 'llmspell', ['exec', 'return Tool.invoke("reverse_words", {})'], { allowFailure: true });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("reverse_words: parameter 'input'");
  }, 10 * 60_000);

  test('npx -p @llmspell/agents llmspell-mock-llm serves an agent script without a key', async () => {
    if (!live()) return;
    const server = spawn('npx', ['--yes', '-p', '@llmspell/agents', 'llmspell-mock-llm'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        server.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        server.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /OPENAI_BASE_URL=(\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        server.once('exit', (code) => reject(new Error(`llmspell-mock-llm exited ${code}\n${out}\n${err}`)));
      });
      config('');
      write(project, 'agent.lua', 'local a = Agent.create({ model = "openai/gpt-4o-mini" })\nreturn a:invoke({ text = "ping" }).text');
      const r = await user('agent on the mock server', 'llmspell', ['run', 'agent.lua'], { extraEnv: { OPENAI_BASE_URL: baseUrl } });
      expect(r.stdout).toBe('Echo: ping\n');
    } finally {
      process.kill(-server.pid!, 'SIGTERM');
    }
  }, 10 * 60_000);

  test('a plugin made by llmspell init --tool-plugin installs core from the registry, builds, passes its tests and loads', async () => {
    if (!live()) return;
    // Beside the project, not in it: its only @llmspell/core is its own.
    await user('init --tool-plugin', 'llmspell', ['init', '--tool-plugin', 'word-tools'], { cwd: work });
    const plugin = path.join(work, 'word-tools');
    await user('plugin npm install', 'npm', ['install'], { cwd: plugin });
    const lock = JSON.parse(fs.readFileSync(path.join(plugin, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; resolved?: string }> };
    expect(lock.packages['node_modules/@llmspell/core']).toMatchObject({ version: versionOf('@llmspell/core'), resolved: expect.stringContaining(registry!.url) });
    await user('plugin npm run build', 'npm', ['run', 'build'], { cwd: plugin });
    const tested = await user('plugin npm test', 'npm', ['test'], { cwd: plugin });
    expect(tested.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests\s+3 passed/);

    config('[tools]\nplugins = ["../word-tools", "@llmspell-e2e/reverse-words"]\n');
    write(project, 'words.lua', 'local r = Tool.invoke("word_tools", { input = "the cat and the hat", word = "the" })\nreturn { r.result.count, r.result.words, Tool.invoke("reverse_words", { input = "a b" }).result }');
    const r = await user('generated plugin call', 'llmspell', ['run', 'words.lua']);
    expect(JSON.parse(r.stdout)).toEqual([2, 5, 'b a']);

    // Without its node_modules the plugin cannot load: the error names its missing dependency.
    fs.rmSync(path.join(plugin, 'node_modules'), { recursive: true });
    const broken = await user('plugin without its dependencies', 'llmspell', ['run', 'words.lua'], { allowFailure: true });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("'../word-tools' cannot load because its dependency '@llmspell/core' is not installed");
  }, 15 * 60_000);
});
