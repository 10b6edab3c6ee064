import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { loadConfig, validateConfig, type LoadedConfig } from '../index.js';
import { findUnknownKeys } from './unknown-keys.js';

/** Loads `toml` as `<tmp>/llmspell.toml`; the file's path comes back for the expected messages. */
function load(toml: string, env: NodeJS.ProcessEnv = {}): LoadedConfig & { file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-keys-'));
  const file = path.join(dir, 'llmspell.toml');
  fs.writeFileSync(file, toml);
  return { ...loadConfig({ cwd: dir, home: dir, env }), file };
}

const unknown = (raw: unknown) => findUnknownKeys(raw).map((k) => [k.path.join('.'), k.suggestion]);

describe('unknown config keys', () => {
  test('a near miss in a section names the full key, its line and the key meant, and is a typo', () => {
    const { warnings, typos, file } = load('defualt_engine = "js"\n\n[runtime.security]\nallow_file_acess = true\n');
    const expected = [
      `${file}:1: unknown key 'defualt_engine' is ignored (did you mean 'default_engine'?)`,
      `${file}:4: unknown key 'runtime.security.allow_file_acess' is ignored (did you mean 'allow_file_access'?)`,
    ];
    expect(warnings).toEqual(expected);
    expect(typos).toEqual(expected);
  });

  test('a key close to none is a warning without a suggestion, not a typo', () => {
    const { warnings, typos, file } = load('[runtime]\nscript_timeout_seconds = 5\ncolour = "red"\n');
    expect(warnings).toEqual([`${file}:3: unknown key 'runtime.colour' is ignored`]);
    expect(typos).toEqual([]);
  });

  test('a misspelt table is one unknown key, its header line', () => {
    const { warnings, file } = load('[runtime.securty]\nallow_file_access = false\n');
    expect(warnings).toEqual([`${file}:1: unknown key 'runtime.securty' is ignored (did you mean 'security'?)`]);
  });

  test('inside a provider entry and an MCP server entry, with the entry\'s own keys', () => {
    const { typos, file } = load(`[providers.providers.local]
provider_type = "openai"
modle = "m"

[mcp.servers.files]
command = "node"
argz = ["server.js"]
[mcp.servers.files.env]
ANY_NAME = "x"
`);
    expect(typos).toEqual([
      `${file}:3: unknown key 'providers.providers.local.modle' is ignored (did you mean 'model'?)`,
      `${file}:7: unknown key 'mcp.servers.files.argz' is ignored (did you mean 'args'?)`,
    ]);
  });

  test('[events], [hooks], [agents] and [workflows] are judged by what their readers read', () => {
    expect(unknown({
      events: { max_queue_sizes: 5, persistence: { max_event: 3 } },
      hooks: { timeout_msec: 5, circuit_breaker: { failure_treshold: 2 }, monitor: { interval: 10 } },
      agents: { budget: 1, prices: { 'openai/gpt-4o': { input_per_milion: 1, output_per_million: 2 } } },
      workflows: { checkpoint_retention_run: 3 },
    })).toEqual([
      ['events.max_queue_sizes', 'max_queue_size'],
      ['events.persistence.max_event', 'max_events'],
      ['hooks.timeout_msec', 'timeout_ms'],
      ['hooks.circuit_breaker.failure_treshold', 'failure_threshold'],
      ['hooks.monitor.interval', 'interval_ms'],
      ['agents.budget', 'budget_usd'],
      ['agents.prices.openai/gpt-4o.input_per_milion', 'input_per_million'],
      ['workflows.checkpoint_retention_run', 'checkpoint_retention_runs'],
    ]);
    // their known keys are quiet, whatever the value's form (`circuit_breaker = false`)
    expect(unknown({
      events: { enabled: true, max_subscriptions: 3, persistence: { enabled: true, scope: 'x' } },
      hooks: { enabled: true, circuit_breaker: false, builtin: { logging: true, metrics: { enabled: false, any_setting: 1 } } },
      agents: { budget_usd: 1 },
      workflows: { checkpoint_retention_runs: 1, checkpoint_retention_days: 2 },
    })).toEqual([]);
  });

  test('a section another package reads is judged by the schema it is given, else not at all', () => {
    const raw = { observability: { capture_contents: true } };
    expect(validateConfig(raw, null).warnings).toEqual([]);
    const sections = { observability: z.looseObject({ capture_content: z.boolean().default(false) }) };
    expect(validateConfig(raw, null, undefined, sections).typos).toEqual(["unknown key 'observability.capture_contents' is ignored (did you mean 'capture_content'?)"]);
  });

  test('names the user chooses are never unknown, however close to a key', () => {
    expect(unknown({
      providers: { providers: { default_provider: { provider_type: 'openai' }, modle: { provider_type: 'ollama' } } },
      mcp: { servers: { timeout_sec: { command: 'x', env: { enabled: '1' }, headers: { commandd: 'y' } } } },
      agents: { prices: { budget_usd: { input_per_million: 1, output_per_million: 1 } } },
      hooks: { builtin: { enabled: true } },
      // `[tools.<tool>]`: a tool's own settings
      tools: { plugins: [], calculater: { precision: 3 }, file_operations: { allowed_paths: ['/tmp'] } },
    })).toEqual([]);
    // a [tools] key that is no table is still judged
    expect(unknown({ tools: { plugin: ['x'] } })).toEqual([['tools.plugin', 'plugins']]);
  });

  test('the keys a state backend reads from [runtime.state_persistence] are known (postgres\'s schema is no near miss of schema_directory)', () => {
    expect(unknown({
      runtime: { state_persistence: { backend_type: 'postgres', url: 'postgres://h/db', pool_size: 2, statement_timeout_ms: 0, connect_timeout_ms: 5, table: 't', schema: 's', application_name: 'a' } },
    })).toEqual([]);
  });

  test('the keys of the reference\'s format (api.md 9.1) and of its example configs give no typo', () => {
    const { typos, warnings } = load(`default_engine = "lua"
stdlib_level = "safe"
[engines.lua]
stdlib = "safe"
max_memory = 50000000
debug = false
package_paths = []
sandbox_mode = false
memory_limit = 52428800
max_instructions = 1000000
[engines.javascript]
strict_mode = true
max_heap_size = 100000000
enable_console = true
module_resolution = "node"
allow_eval = false
allow_timers = true
allow_console = true
memory_limit = 52428800
max_event_loop_ticks = 10000
typescript = false
jsx = false
[providers]
default_provider = "openai"
[providers.providers.openai]
provider_type = "openai"
api_key_env = "OPENAI_API_KEY"
base_url = "https://api.openai.com/v1"
model = "gpt-4o-mini"
max_tokens = 4096
temperature = 0.7
[runtime]
max_concurrent_scripts = 10
script_timeout_seconds = 300
enable_streaming = true
[runtime.security]
allow_file_access = false
allow_network_access = true
allow_process_spawn = false
max_memory_bytes = 50000000
max_execution_time_ms = 300000
[runtime.state_persistence]
enabled = false
backend_type = "memory"
migration_enabled = false
backup_on_migration = true
max_state_size_bytes = 10000000
backup_enabled = false
[runtime.state_persistence.backup]
backup_dir = "./backups"
compression_enabled = true
compression_type = "gzip"
compression_level = 3
incremental_enabled = true
max_backups = 10
max_backup_age = 2592000
[security.sandboxing]
enabled = true
[resources.memory]
max_heap_mb = 512
[state]
enabled = true
[logging]
level = "info"
`);
    expect(typos).toEqual([]);
    // what llmspell does not read is still listed (validate, --verbose)
    expect(warnings.filter((w) => w.includes('unknown key'))).toHaveLength(16);
  });

  test('environment overrides are never unknown keys', () => {
    const env = {
      LLMSPELL_DEFAULT_ENGINE: 'javascript', LLMSPELL_DEFAULT_PROVIDER: 'local', LLMSPELL_ALLOW_FILE_ACCESS: 'true',
      LLMSPELL_ALLOW_NETWORK_ACCESS: 'true', LLMSPELL_ALLOW_PRIVATE_NETWORK: 'false', LLMSPELL_ALLOW_PROCESS_SPAWN: 'false',
      LLMSPELL_ALLOWED_PATHS: '/a', LLMSPELL_MAX_MEMORY_MB: '64', LLMSPELL_SCRIPT_TIMEOUT: '30', LLMSPELL_ENABLE_STREAMING: 'true',
      LLMSPELL_STATE_BACKEND: 'memory', LLMSPELL_STATE_PATH: 'state.db', LLMSPELL_STATE_URL: 'postgres://h/db',
      LLMSPELL_QUEUE_URL: 'redis://127.0.0.1:6379', LLMSPELL_DISTRIBUTE_WORKFLOWS: 'false', LLMSPELL_BACKUP_DIR: 'backups',
    };
    const { warnings, config } = load('', env);
    expect(config.default_engine).toBe('javascript');
    expect(warnings).toEqual([]);
  });

  test('without a file the warning has no place, and a key the text does not show has no line', () => {
    expect(validateConfig({ queue: { nmae: 'q' } }, null).warnings).toEqual(["unknown key 'queue.nmae' is ignored (did you mean 'name'?)"]);
    expect(validateConfig({ queue: { nmae: 'q' } }, 'x.toml', '').warnings).toEqual(["x.toml: unknown key 'queue.nmae' is ignored (did you mean 'name'?)"]);
  });
});
