import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LlmspellError } from '@llmspell/core';
import { composeRuntime, loadCliConfig } from '../compose-runtime.js';
import type { CliIo } from '../io.js';
import { UsageError, type ParsedArgs } from '../parse-args.js';
import { cliVersion } from '../version.js';
import { pluginNames, toolPluginFiles } from './tool-plugin-template.js';

const INIT_CONFIG = `# llmspell configuration (rs-llmspell compatible). Every key is optional.
default_engine = "lua"

[providers]
default_provider = "openai"

# An OpenAI-compatible endpoint: a local server (Ollama, LM Studio, vLLM) or a cloud API.
[providers.providers.local]
provider_type = "openai"
base_url = "http://localhost:11434/v1"
model = "llama3.2"
# api_key_env = "OPENAI_API_KEY"

[runtime]
script_timeout_seconds = 300

[runtime.security]
allow_network_access = true
allow_private_network = false   # true lets network tools reach localhost (e.g. a local model server)
allow_process_spawn = false
# allowed_paths = [".", "/tmp"]

[runtime.state_persistence]
enabled = true
backend_type = "sqlite"         # sqlite | memory | rocksdb (needs @llmspell/state-rocksdb)

[tools]
plugins = []                    # npm packages exporting defineTool(...)
`;

const INIT_LUA = `-- main.lua: run with  llmspell run main.lua -- world
local name = ARGS[1] or "llmspell"
local calc = Tool.invoke("calculator", { input = "6 * 7" })
print("Hello, " .. name .. "! 6 * 7 = " .. tostring(calc.result.result))

local count = (State.load("global", "runs") or 0) + 1
State.save("global", "runs", count)
print("This project has run " .. count .. " time(s).")

-- With a model configured in llmspell.toml:
-- local agent = Agent.create({ model = "local/llama3.2", system_prompt = "Be brief." })
-- print(agent:invoke({ text = "Say hi" }).text)
return { greeted = name, runs = count }
`;

export async function infoCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const loaded = loadCliConfig(args.flags, io);
  const info = {
    version: cliVersion(),
    node: process.version,
    config_file: loaded.source,
    default_engine: loaded.config.default_engine,
    engines: [
      { name: 'lua', version: 'Lua 5.4 (wasmoon)', extensions: ['.lua'], available: true },
      { name: 'javascript', version: 'ES2023 (QuickJS)', extensions: ['.js', '.mjs'], available: true },
    ],
    state_backend: loaded.config.runtime.state_persistence.enabled ? loaded.config.runtime.state_persistence.backend_type : 'disabled',
    security: {
      allowed_paths: loaded.config.runtime.security.allowed_paths ?? ['.', '<tmp>'],
      allow_private_network: loaded.config.runtime.security.allow_private_network,
      allow_process_spawn: loaded.config.runtime.security.allow_process_spawn,
    },
  };
  if (args.flags.output !== 'text') {
    io.stdout(JSON.stringify(info, null, 2) + '\n');
    return 0;
  }
  io.stdout(`llmspell ${info.version} (node ${info.node})\n`);
  io.stdout(`config:  ${info.config_file ?? 'built-in defaults'}\n`);
  io.stdout(`engines: ${info.engines.map((e) => `${e.name} [${e.version}]`).join(', ')}; default ${info.default_engine}\n`);
  io.stdout(`state:   ${info.state_backend}\n`);
  io.stdout(`files:   ${info.security.allowed_paths.join(', ')}; private network ${info.security.allow_private_network ? 'allowed' : 'refused'}; processes ${info.security.allow_process_spawn ? 'allowed' : 'refused'}\n`);
  return 0;
}

export async function providersCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const loaded = loadCliConfig(args.flags, io);
  const providers = Object.entries(loaded.config.providers.providers).map(([name, p]) => ({
    name,
    provider_type: p.provider_type,
    model: p.model ?? null,
    base_url: p.base_url ?? null,
    api_key: p.api_key ? 'set in config' : p.api_key_env ? (io.env[p.api_key_env] ? `from ${p.api_key_env}` : `missing: set ${p.api_key_env}`) : 'from the provider\'s usual variable',
  }));
  const builtin = [
    { name: 'openai', env: 'OPENAI_API_KEY' },
    { name: 'anthropic', env: 'ANTHROPIC_API_KEY' },
    { name: 'ollama', env: null },
    { name: 'groq', env: 'GROQ_API_KEY' },
    { name: 'together', env: 'TOGETHER_API_KEY' },
  ].map((b) => ({ ...b, key: b.env ? (io.env[b.env] ? 'set' : 'not set') : 'none needed' }));
  if (args.flags.output !== 'text') {
    io.stdout(JSON.stringify({ default_provider: loaded.config.providers.default_provider ?? null, configured: providers, builtin }, null, 2) + '\n');
    return 0;
  }
  io.stdout(`default provider: ${loaded.config.providers.default_provider ?? 'openai'}\n`);
  io.stdout(providers.length ? 'configured ([providers.providers.*]):\n' : 'no providers configured in llmspell.toml\n');
  for (const p of providers) io.stdout(`  ${p.name}: ${p.provider_type}${p.model ? ` model ${p.model}` : ''}${p.base_url ? ` at ${p.base_url}` : ''} (key ${p.api_key})\n`);
  io.stdout('built in (use as "provider/model"):\n');
  for (const b of builtin) io.stdout(`  ${b.name.padEnd(10)} ${b.env ? `${b.env} ${b.key}` : b.key}\n`);
  return 0;
}

export async function configCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const sub = args.positionals[1] ?? 'show';
  const loaded = loadCliConfig(args.flags, io);
  if (sub === 'path') {
    io.stdout(`${loaded.source ?? '(built-in defaults)'}\n`);
    return 0;
  }
  const { runtime } = await composeRuntime(args.flags, io, { state: false, tools: false });
  try {
    const masked = runtime.policy.redactValue(loaded.config);
    if (args.flags.output === 'text') io.stdout(`# source: ${loaded.source ?? 'built-in defaults'}\n`);
    io.stdout(JSON.stringify(masked, null, 2) + '\n');
    for (const w of loaded.warnings) io.stderr(`warning: ${w}\n`);
    return 0;
  } finally {
    await runtime.close();
  }
}

/** The @llmspell/core version this CLI runs with: what a new plugin should build against. */
function coreVersion(): string {
  return (createRequire(import.meta.url)('@llmspell/core/package.json') as { version: string }).version;
}

export async function initCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const pluginOption = args.options['tool-plugin'];
  if (pluginOption !== undefined) return initToolPlugin(typeof pluginOption === 'string' ? pluginOption : args.positionals[1], args, io);
  const dir = path.resolve(io.cwd, args.positionals[1] ?? '.');
  const configFile = path.resolve(dir, typeof args.options.out === 'string' ? args.options.out : 'llmspell.toml');
  const force = args.options.force === true;
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (file: string, text: string) => {
    if (fs.existsSync(file) && !force) {
      io.stderr(`skipped ${path.relative(io.cwd, file) || file}: exists (use --force to overwrite)\n`);
      return;
    }
    fs.writeFileSync(file, text);
    written.push(file);
  };
  write(configFile, INIT_CONFIG);
  write(path.join(dir, 'main.lua'), INIT_LUA);
  if (args.flags.output !== 'text') io.stdout(JSON.stringify({ written }, null, 2) + '\n');
  else {
    for (const f of written) io.stdout(`created ${path.relative(io.cwd, f) || f}\n`);
    io.stdout(`\nNext: llmspell run ${path.relative(io.cwd, path.join(dir, 'main.lua')) || 'main.lua'}\nSet OPENAI_API_KEY or ANTHROPIC_API_KEY, or point [providers.providers.local] at a local server.\n`);
  }
  return 0;
}

/** `llmspell init --tool-plugin <dir>`: a standalone tool plugin package with its own build and tests. */
async function initToolPlugin(target: string | undefined, args: ParsedArgs, io: CliIo): Promise<number> {
  if (!target) throw new UsageError('init --tool-plugin needs a directory: llmspell init --tool-plugin my-tools');
  const dir = path.resolve(io.cwd, target);
  const names = pluginNames(path.basename(dir));
  const files = toolPluginFiles(names, coreVersion(), path.basename(dir));
  const force = args.options.force === true;
  const existing = Object.keys(files).filter((f) => fs.existsSync(path.join(dir, f)));
  if (existing.length && !force) {
    throw new LlmspellError('INVALID_ARGUMENT', `${path.relative(io.cwd, dir) || '.'} already has ${existing.join(', ')} (use --force to overwrite)`);
  }
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  const shown = path.relative(io.cwd, dir) || '.';
  if (args.flags.output !== 'text') {
    io.stdout(JSON.stringify({ package: names.packageName, tool: names.toolName, dir, written: Object.keys(files) }, null, 2) + '\n');
    return 0;
  }
  for (const file of Object.keys(files)) io.stdout(`created ${path.join(shown, file)}\n`);
  io.stdout(`\nNext: cd ${shown} && npm install && npm run build && npm test\nThen list it in a project's llmspell.toml:  [tools] plugins = ["./${path.basename(dir)}"]  (README.md says more)\n`);
  return 0;
}
