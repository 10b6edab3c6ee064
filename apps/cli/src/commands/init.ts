import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LlmspellError } from '@llmspell/core';
import { PROJECT_STATE_DIR } from '@llmspell/runtime';
import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';
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

/**
 * The project's state, backups and editor types live in `.llmspell/`: git-ignored, added to an
 * existing `.gitignore` once. True when the file was written.
 */
function ignoreStateDir(dir: string): boolean {
  const file = path.join(dir, '.gitignore');
  const entry = `${PROJECT_STATE_DIR}/`;
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current.split(/\r?\n/).some((line) => [entry, PROJECT_STATE_DIR, `/${entry}`, `/${PROJECT_STATE_DIR}`].includes(line.trim()))) return false;
  fs.writeFileSync(file, `${current}${current && !current.endsWith('\n') ? '\n' : ''}# llmspell: this project's state, backups and editor types\n${entry}\n`);
  return true;
}

/** The @llmspell/core version this CLI runs with: what a new plugin should build against. */
function coreVersion(): string {
  return (createRequire(import.meta.url)('@llmspell/core/package.json') as { version: string }).version;
}

export async function initCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const pluginOption = args.options['tool-plugin'];
  if (typeof pluginOption === 'string') return initToolPlugin(pluginOption, args, io);
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
  if (ignoreStateDir(dir)) written.push(path.join(dir, '.gitignore'));
  if (args.flags.output !== 'text') io.stdout(JSON.stringify({ written }, null, 2) + '\n');
  else {
    for (const f of written) io.stdout(`created ${path.relative(io.cwd, f) || f}\n`);
    if (written.length === 0) io.stdout('nothing written: the files are there already\n');
    // Only a config named llmspell.toml is found by itself; another needs -c to be used.
    const config = path.basename(configFile) === 'llmspell.toml' ? '' : `-c ${path.relative(io.cwd, configFile)} `;
    io.stdout(`\nNext: llmspell ${config}run ${path.relative(io.cwd, path.join(dir, 'main.lua')) || 'main.lua'}\nSet OPENAI_API_KEY or ANTHROPIC_API_KEY, or point [providers.providers.local] at a local server.\n`);
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
