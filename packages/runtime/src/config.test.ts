import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LlmspellConfigSchema, LlmspellRuntime, applyStateLocation, findProjectDir, loadConfig, protectedStatePaths, scriptLimitsFromConfig, stateLocation, validateConfig } from './index.js';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-config-'));
}

describe('loadConfig', () => {
  test('defaults when no file exists', () => {
    const dir = tmp();
    const { config, source } = loadConfig({ cwd: dir, home: dir, env: {} });
    expect(source).toBeNull();
    expect(config.default_engine).toBe('lua');
    expect(config.runtime.script_timeout_seconds).toBe(300);
    expect(config.runtime.security.allow_process_spawn).toBe(false);
    expect(scriptLimitsFromConfig(config)).toEqual({ memoryBytes: 64 * 1024 * 1024, timeoutMs: 300_000 });
  });

  test('reads an rs-llmspell config with unknown keys as warnings', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'llmspell.toml'), `
default_engine = "lua"
stdlib_level = "safe"
[engines.lua]
stdlib = "safe"
memory_limit = 1000
[providers.providers.openai]
provider_type = "openai"
api_key_env = "OPENAI_API_KEY"
model = "gpt-4o-mini"
[runtime]
script_timeout_seconds = 30
[runtime.security]
allow_file_access = true
max_memory_bytes = 50000000
`);
    const { config, source, warnings } = loadConfig({ cwd: dir, home: dir, env: {} });
    expect(source).toBe(path.join(dir, 'llmspell.toml'));
    expect(config.providers.providers.openai.model).toBe('gpt-4o-mini');
    expect(scriptLimitsFromConfig(config)).toEqual({ memoryBytes: 50_000_000, timeoutMs: 30_000 });
    expect(warnings.join()).toContain('stdlib_level');
  });

  test('validation (jitless, parsed once) gives what zod\'s compiled path gives: data, defaults, unknown keys, the first error', () => {
    const raw = {
      default_engine: 'javascript', extra_top: { kept: 1 },
      providers: { default_provider: 'local', providers: { local: { provider_type: 'openai', base_url: 'http://127.0.0.1:1/v1', model: 'm', unknown_key: true } } },
      runtime: { script_timeout_seconds: 12, security: { allow_file_access: true, max_memory_bytes: 12345678 } },
      tools: { allowed_paths: ['/tmp'] },
    };
    expect(validateConfig(raw, null).config).toEqual(LlmspellConfigSchema.parse(raw));
    const bad = { ...raw, runtime: { ...raw.runtime, script_timeout_seconds: 'soon' } };
    const compiled = LlmspellConfigSchema.safeParse(bad);
    expect(compiled.success).toBe(false);
    expect(() => validateConfig(bad, 'x.toml')).toThrow(`x.toml: invalid value for 'runtime.script_timeout_seconds': ${compiled.error!.issues[0].message}`);
  });

  test('the runtime parses the config it is given (jitless) to what the compiled path gives, and refuses what it refuses', async () => {
    const raw = { default_engine: 'javascript', runtime: { script_timeout_seconds: 12, security: { max_memory_bytes: 12345678 } }, extra_top: { kept: 1 } };
    const runtime = await LlmspellRuntime.create({ config: raw, tools: [] });
    try {
      expect(runtime.config).toEqual(LlmspellConfigSchema.parse(raw));
    } finally {
      await runtime.close();
    }
    const bad = { runtime: { script_timeout_seconds: 'soon' } };
    const compiled = LlmspellConfigSchema.safeParse(bad);
    await expect(LlmspellRuntime.create({ config: bad, tools: [] })).rejects.toMatchObject({ issues: compiled.error!.issues });
  });

  test('[providers.<name>] is read as [providers.providers.<name>], and provider_type defaults to the name', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'llmspell.toml'), `
[providers]
default_provider = "local"
[providers.openai]
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-short-form"
[providers.local]
provider_type = "openai"
model = "tiny"
[providers.providers.anthropic]
model = "claude-x"
`);
    const { config, warnings } = loadConfig({ cwd: dir, home: dir, env: {} });
    expect(config.providers.default_provider).toBe('local');
    expect(config.providers.providers.openai).toMatchObject({ provider_type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-short-form' });
    expect(config.providers.providers.local).toMatchObject({ provider_type: 'openai', model: 'tiny' });
    expect(config.providers.providers.anthropic).toMatchObject({ provider_type: 'anthropic', model: 'claude-x' });
    expect(warnings.filter((w) => w.includes('providers'))).toEqual([]);
    // the runtime given such a config (not through loadConfig) reads it the same way
    const runtime = await LlmspellRuntime.create({ config: { providers: { openai: { base_url: 'http://127.0.0.1:9/v1' } } } as never, cwd: dir });
    try {
      expect(runtime.config.providers.providers.openai).toMatchObject({ provider_type: 'openai', base_url: 'http://127.0.0.1:9/v1' });
    } finally {
      await runtime.close();
    }
  });

  test('a provider set both ways is CONFIG_INVALID naming it and the line', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'llmspell.toml'), `[providers.openai]\nmodel = "a"\n[providers.providers.openai]\nmodel = "b"\n`);
    expect(() => loadConfig({ cwd: dir, home: dir, env: {} })).toThrow(/llmspell\.toml:1: provider 'openai' is set twice/);
    try {
      loadConfig({ cwd: dir, home: dir, env: {} });
    } catch (error) {
      expect((error as { code: string }).code).toBe('CONFIG_INVALID');
    }
  });

  test('search order: cwd file before home file', () => {
    const home = tmp();
    const cwd = tmp();
    fs.writeFileSync(path.join(home, '.llmspell.toml'), 'default_engine = "javascript"\n');
    expect(loadConfig({ cwd, home, env: {} }).config.default_engine).toBe('javascript');
    fs.mkdirSync(path.join(cwd, 'config'));
    fs.writeFileSync(path.join(cwd, 'config', 'llmspell.toml'), 'default_engine = "lua"\n');
    expect(loadConfig({ cwd, home, env: {} }).source).toBe(path.join(cwd, 'config', 'llmspell.toml'));
  });

  test('relative paths of the project llmspell.toml mean the same file from any folder of the project', () => {
    const home = tmp();
    const project = tmp();
    fs.writeFileSync(path.join(project, 'llmspell.toml'), [
      '[runtime.security]', 'allowed_paths = ["./data", "/srv/x"]',
      '[runtime.state_persistence]', 'path = "./state.db"',
      '[runtime.state_persistence.backup]', 'backup_dir = "bk"',
      '[tools]', 'packages = ["./plugin", "@llmspell/tools-media"]', '',
    ].join('\n'));
    const sub = path.join(project, 'a', 'b');
    fs.mkdirSync(sub, { recursive: true });
    const fromSub = loadConfig({ cwd: sub, home, env: {} }).config;
    expect(fromSub.runtime.security.allowed_paths).toEqual([path.join(project, 'data'), '/srv/x']);
    expect(fromSub.runtime.state_persistence.path).toBe(path.join(project, 'state.db'));
    expect(fromSub.runtime.state_persistence.backup.backup_dir).toBe(path.join(project, 'bk'));
    expect(fromSub.tools.packages).toEqual([path.join(project, 'plugin'), '@llmspell/tools-media']);
    expect(stateLocation(fromSub, sub, {}).file).toBe(path.join(project, 'state.db'));
    // from the project folder itself the same files, as written
    const fromRoot = loadConfig({ cwd: project, home, env: {} }).config;
    expect(fromRoot.runtime.state_persistence.path).toBe('./state.db');
    expect(stateLocation(fromRoot, project, {}).file).toBe(path.join(project, 'state.db'));
    // the environment's paths and an explicit --config keep the working directory
    expect(loadConfig({ cwd: sub, home, env: { LLMSPELL_ALLOWED_PATHS: 'rel' } }).config.runtime.security.allowed_paths).toEqual(['rel']);
    expect(loadConfig({ cwd: sub, home, env: {}, configPath: path.join(project, 'llmspell.toml') }).config.runtime.state_persistence.path).toBe('./state.db');
  });

  test('a project llmspell.toml above the working directory is found, and its state lives in the project', () => {
    const home = tmp();
    const project = tmp();
    fs.writeFileSync(path.join(project, 'llmspell.toml'), 'default_engine = "javascript"\n');
    const sub = path.join(project, 'a', 'b');
    fs.mkdirSync(sub, { recursive: true });
    const loaded = loadConfig({ cwd: sub, home, env: {} });
    expect(loaded.source).toBe(path.join(project, 'llmspell.toml'));
    expect(findProjectDir(sub)).toBe(project);
    const env = { XDG_DATA_HOME: path.join(home, 'data') };
    const location = applyStateLocation(loaded.config, sub, env);
    expect(location).toMatchObject({ backend: 'sqlite', file: path.join(project, '.llmspell', 'state.db'), project });
    expect(loaded.config.runtime.state_persistence.path).toBe(path.join(project, '.llmspell', 'state.db'));
    expect(loaded.config.runtime.state_persistence.backup.backup_dir).toBe(path.join(project, '.llmspell', 'backups'));
    expect(protectedStatePaths(loaded.config, sub, env)).toEqual(expect.arrayContaining([path.join(project, '.llmspell'), path.join(project, '.llmspell', 'state.db-wal')]));
    // the user's cache folder (the CLI's code cache) too; a relative XDG_CACHE_HOME is ignored
    expect(protectedStatePaths(loaded.config, sub, { ...env, XDG_CACHE_HOME: path.join(home, 'cache') })).toContain(path.join(home, 'cache', 'llmspell'));
    expect(protectedStatePaths(loaded.config, sub, { ...env, HOME: home, XDG_CACHE_HOME: 'rel' })).toContain(path.join(home, '.cache', 'llmspell'));
    // outside any project: the user data dir; LLMSPELL_STATE_PATH and a configured path win
    const loose = tmp();
    const defaults = loadConfig({ cwd: loose, home, env: {} }).config;
    expect(stateLocation(defaults, loose, env).file).toBe(path.join(home, 'data', 'llmspell', 'state.db'));
    expect(stateLocation(defaults, loose, { ...env, LLMSPELL_STATE_PATH: 'x.db' })).toMatchObject({ file: path.join(loose, 'x.db'), reason: 'set by LLMSPELL_STATE_PATH' });
    const own = loadConfig({ cwd: sub, home, env: {} }).config;
    own.runtime.state_persistence.path = '/srv/state.db';
    expect(applyStateLocation(own, sub, env).file).toBe('/srv/state.db');
    expect(own.runtime.state_persistence.path).toBe('/srv/state.db');
  });

  test('a bad value names the file, key and line', () => {
    const dir = tmp();
    const file = path.join(dir, 'bad.toml');
    fs.writeFileSync(file, '[runtime]\n\nscript_timeout_seconds = "soon"\n');
    expect(() => loadConfig({ configPath: file, cwd: dir, home: dir, env: {} })).toThrow(
      new RegExp(`CONFIG_INVALID: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: invalid value for 'runtime.script_timeout_seconds'`),
    );
  });

  test('TOML syntax errors carry the line', () => {
    const dir = tmp();
    const file = path.join(dir, 'broken.toml');
    fs.writeFileSync(file, 'a = 1\nb = = 2\n');
    expect(() => loadConfig({ configPath: file, cwd: dir, home: dir, env: {} })).toThrow(/broken\.toml:2: TOML syntax error/);
  });

  test('a missing explicit file is CONFIG_NOT_FOUND', () => {
    const dir = tmp();
    expect(() => loadConfig({ configPath: 'nope.toml', cwd: dir, home: dir, env: {} })).toThrow(/CONFIG_NOT_FOUND: Configuration file not found/);
  });

  test('each engine gets its own memory setting; runtime.security.max_memory_bytes overrides both', () => {
    const engines = { lua: { max_memory: 20_000_000 }, javascript: { max_heap_size: 30_000_000 } };
    const config = validateConfig({ engines }, null).config;
    expect([scriptLimitsFromConfig(config).memoryBytes, scriptLimitsFromConfig(config, 'lua').memoryBytes, scriptLimitsFromConfig(config, 'javascript').memoryBytes])
      .toEqual([20_000_000, 20_000_000, 30_000_000]);
    const capped = validateConfig({ engines, runtime: { security: { max_memory_bytes: 10_000_000 } } }, null).config;
    expect(scriptLimitsFromConfig(capped, 'javascript').memoryBytes).toBe(10_000_000);
  });

  test('keys kept for rs-llmspell configs warn only when set to what llmspell does not do', () => {
    const quiet = validateConfig({ engines: { lua: { stdlib: 'safe' }, javascript: { strict_mode: true } }, runtime: { enable_streaming: true } }, null);
    expect(quiet.warnings).toEqual([]);
    const told = validateConfig({
      engines: { lua: { stdlib: 'none', package_paths: ['./lib'] } },
      runtime: { enable_streaming: false, state_persistence: { schema_directory: 'schemas', backup: { compression_type: 'lz4' } } },
    }, null);
    expect(told.warnings).toEqual([
      expect.stringMatching(/^runtime\.enable_streaming = false has no effect in llmspell: /),
      expect.stringMatching(/^runtime\.state_persistence\.schema_directory = "schemas" has no effect in llmspell: /),
      expect.stringMatching(/^engines\.lua\.stdlib = "none" has no effect in llmspell: /),
      expect.stringMatching(/^engines\.lua\.package_paths = \["\.\/lib"\] has no effect in llmspell: /),
      'runtime.state_persistence.backup.compression_type = "lz4" is not available: backups use gzip ("gzip" or "none")',
    ]);
  });

  test('environment overrides apply, also with an explicit file', () => {
    const dir = tmp();
    const file = path.join(dir, 'c.toml');
    fs.writeFileSync(file, '[runtime.security]\nallow_private_network = false\n');
    const { config } = loadConfig({
      configPath: file,
      cwd: dir,
      home: dir,
      env: { LLMSPELL_ALLOW_PRIVATE_NETWORK: 'true', LLMSPELL_ALLOWED_PATHS: '/a:/b', LLMSPELL_MAX_MEMORY_MB: '16', LLMSPELL_STATE_BACKEND: 'memory', LLMSPELL_SCRIPT_TIMEOUT: '5' },
    });
    expect(config.runtime.security.allow_private_network).toBe(true);
    expect(config.runtime.security.allowed_paths).toEqual(['/a', '/b']);
    expect(config.runtime.state_persistence.backend_type).toBe('memory');
    expect(scriptLimitsFromConfig(config)).toEqual({ memoryBytes: 16 * 1024 * 1024, timeoutMs: 5000 });
    expect(() => loadConfig({ cwd: dir, home: dir, env: { LLMSPELL_ALLOW_PROCESS_SPAWN: 'maybe' } })).toThrow(/LLMSPELL_ALLOW_PROCESS_SPAWN=maybe must be true or false/);
  });
});
