import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cli, repoRoot, scratch, write } from './helpers.js';

const coreVersion = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'packages/core/package.json'), 'utf8')) as { version: string }).version;
const tsc = createRequire(path.join(repoRoot, 'package.json')).resolve('typescript/bin/tsc');

const typesNode = path.dirname(createRequire(path.join(repoRoot, 'package.json')).resolve('@types/node/package.json'));

/**
 * Gives a plugin folder the @llmspell/core of this checkout and Node's types, as its `npm
 * install` would (e2e/test/publish.e2e.test.ts does that one for real, from a registry).
 */
function linkDependencies(pluginDir: string): void {
  fs.mkdirSync(path.join(pluginDir, 'node_modules/@llmspell'), { recursive: true });
  fs.mkdirSync(path.join(pluginDir, 'node_modules/@types'), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'packages/core'), path.join(pluginDir, 'node_modules/@llmspell/core'));
  fs.symlinkSync(typesNode, path.join(pluginDir, 'node_modules/@types/node'));
}

describe('llmspell init --tool-plugin', () => {
  test('writes a standalone package that builds with its own tsconfig and loads by path', async () => {
    const dir = scratch();
    const init = await cli(['init', '--tool-plugin', 'Word Tools'], { cwd: dir });
    expect(init.code).toBe(0);
    const plugin = path.join(dir, 'Word Tools');
    const manifest = JSON.parse(fs.readFileSync(path.join(plugin, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('word-tools');
    expect(manifest.peerDependencies).toEqual({ '@llmspell/core': `^${coreVersion}` });
    expect(manifest.devDependencies['@llmspell/core']).toBe(`^${coreVersion}`);
    expect(manifest.devDependencies.vitest).toBeDefined();
    expect(manifest.files).toEqual(['dist', 'README.md']);
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    // Nothing points back into an llmspell checkout.
    const tsconfig = fs.readFileSync(path.join(plugin, 'tsconfig.json'), 'utf8');
    expect(tsconfig).not.toContain('extends');
    expect(fs.readFileSync(path.join(plugin, 'README.md'), 'utf8')).toContain('plugins = ["./Word Tools"]');

    linkDependencies(plugin);
    execFileSync(process.execPath, [tsc, '-p', path.join(plugin, 'tsconfig.build.json')], { stdio: 'pipe' });
    expect(fs.existsSync(path.join(plugin, 'dist/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(plugin, 'dist/index.test.js'))).toBe(false);

    write(dir, 'llmspell.toml', '[tools]\nplugins = ["./Word Tools"]\n');
    write(dir, 'w.lua', 'local r = Tool.invoke("word_tools", { input = "the cat and the hat", word = "the" })\nreturn { r.result.count, r.result.words, JSON.parse(r.text).success }');
    const run = await cli(['run', 'w.lua'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([2, 5, true]);

    const shown = await cli(['tools', 'show', 'word_tools'], { cwd: dir });
    expect(shown.stdout).toContain('Count only this word');
  });

  test('refuses to overwrite a plugin without --force, and needs a directory', async () => {
    const dir = scratch();
    expect((await cli(['init', '--tool-plugin', 'p'], { cwd: dir })).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'p/src/index.ts'), '// mine\n');
    const again = await cli(['init', '--tool-plugin', 'p'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('use --force');
    expect(fs.readFileSync(path.join(dir, 'p/src/index.ts'), 'utf8')).toBe('// mine\n');
    expect((await cli(['init', '--tool-plugin', 'p', '--force'], { cwd: dir })).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'p/src/index.ts'), 'utf8')).toContain('defineTool');
    const none = await cli(['init', '--tool-plugin'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--tool-plugin needs a value: --tool-plugin <dir>');
  });
});

describe('a plugin that cannot load says why', () => {
  test('a missing dependency of the plugin is named, not the plugin', async () => {
    const dir = scratch();
    write(dir, 'node_modules/acme-tools/package.json', JSON.stringify({ name: 'acme-tools', type: 'module', exports: { '.': { import: './dist/index.js' } } }));
    write(dir, 'node_modules/acme-tools/dist/index.js', "import pad from 'left-pad-is-not-installed';\nexport default [];\n");
    write(dir, 'llmspell.toml', '[tools]\nplugins = ["acme-tools"]\n');
    const r = await cli(['exec', 'return 1'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PACKAGE_NOT_INSTALLED: the tool plugin listed in [tools] plugins: 'acme-tools' cannot load because its dependency 'left-pad-is-not-installed' is not installed");
    expect(r.stderr).toContain('node_modules/acme-tools/dist/index.js');
    expect(r.stderr).not.toContain("needs the package 'acme-tools'");
  });

  test('a plugin folder that was never built, a path that does not exist, a package not installed', async () => {
    const dir = scratch();
    write(dir, 'mine/package.json', JSON.stringify({ name: 'mine', type: 'module', exports: { '.': { import: './dist/index.js' } } }));
    write(dir, 'llmspell.toml', '[tools]\nplugins = ["./mine"]\n');
    const unbuilt = await cli(['exec', 'return 1'], { cwd: dir });
    expect(unbuilt.stderr).toContain(`'./mine' is incomplete: ${path.join(dir, 'mine/dist/index.js')} is missing; if it is a plugin you are writing, build it first`);

    write(dir, 'llmspell.toml', '[tools]\nplugins = ["./nowhere"]\n');
    const absent = await cli(['exec', 'return 1'], { cwd: dir });
    expect(absent.stderr).toContain(`NOT_FOUND: the tool plugin listed in [tools] plugins: './nowhere' does not exist (resolved to ${path.join(dir, 'nowhere')})`);

    write(dir, 'llmspell.toml', '[tools]\nplugins = ["llmspell-tool-not-there"]\n');
    const missing = await cli(['exec', 'return 1'], { cwd: dir });
    expect(missing.stderr).toContain("needs the package 'llmspell-tool-not-there': install it next to the CLI (`npm i -g llmspell-tool-not-there`) or in your project (`npm i llmspell-tool-not-there`)");
    // Only llmspell's own packages get the from-a-checkout hint.
    expect(missing.stderr).not.toContain('pnpm install-global');
  });

  test('a state backend installed in the project is found; a missing one says where to install it', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', '[runtime.state_persistence]\nbackend_type = "llmspell-state-acme"\n');
    const absent = await cli(['exec', 'return 1'], { cwd: dir });
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain("PACKAGE_NOT_INSTALLED: the state backend set by runtime.state_persistence.backend_type needs the package 'llmspell-state-acme': install it next to the CLI");

    // A backend package in the project's node_modules only (the CLI's own install cannot see it):
    // the RocksDB store under another name, so two runs share what the first one saved.
    fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    fs.symlinkSync(path.join(repoRoot, 'packages/state-rocksdb'), path.join(dir, 'node_modules/llmspell-state-acme'));
    write(dir, 'llmspell.toml', '[runtime.state_persistence]\nbackend_type = "llmspell-state-acme"\npath = "acme-state"\n');
    const saved = await cli(['exec', 'State.save("global", "k", 41)'], { cwd: dir });
    expect(saved.stderr).toBe('');
    expect(fs.existsSync(path.join(dir, 'acme-state/CURRENT'))).toBe(true);
    const found = await cli(['exec', 'return State.load("global", "k") + 1'], { cwd: dir });
    expect(found.stderr).toBe('');
    expect(found.stdout).toBe('42\n');
  });
});
