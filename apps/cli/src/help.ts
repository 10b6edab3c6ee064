import { COMMAND_FLAGS, GLOBAL_FLAGS, flagHelpLines } from './flags.js';

export interface CommandHelp {
  summary: string;
  usage: string;
  examples: string[];
}

export const COMMANDS: Record<string, CommandHelp> = {
  run: { summary: 'Run a Lua or JavaScript script', usage: 'llmspell run <script.lua|script.js|-> [--engine lua|js] [--stream] [-- args…]  (- reads the script from standard input)', examples: ['llmspell run hello.lua', 'llmspell run report.js -- data.csv --limit 10', 'llmspell --output json run summarize.lua', 'echo \'print(Tool.list()[1])\' | llmspell run -'] },
  exec: { summary: 'Run code given on the command line', usage: 'llmspell exec "<code>" [--engine lua|js] [--stream]', examples: ['llmspell exec "print(Tool.invoke(\'calculator\', {input=\'2^10\'}).result.result)"', 'llmspell exec --engine js "print(1 + 1)"'] },
  repl: { summary: 'Interactive Lua or JavaScript with every global', usage: 'llmspell repl [--engine lua|js] [--history FILE]', examples: ['llmspell repl', 'llmspell repl --engine js', 'echo "return 1 + 1" | llmspell repl'] },
  validate: { summary: 'Check a script\'s syntax without running it, or the config without one', usage: 'llmspell validate [script]', examples: ['llmspell validate hello.lua', 'llmspell -c llmspell.toml validate'] },
  info: { summary: 'Show version, engines, config file and policy', usage: 'llmspell info', examples: ['llmspell info', 'llmspell info --output json'] },
  tools: { summary: 'List tools or show one tool\'s parameters', usage: 'llmspell tools list [--category NAME] | llmspell tools show <name>', examples: ['llmspell tools list', 'llmspell tools show calculator'] },
  providers: { summary: 'List configured and built-in LLM providers', usage: 'llmspell providers', examples: ['llmspell providers --output json'] },
  agents: { summary: 'Saved agent conversations and configured providers', usage: 'llmspell agents [list] | show <name> | delete <name>', examples: ['llmspell agents', 'llmspell agents show helper'] },
  config: { summary: 'Show the merged configuration (secrets masked)', usage: 'llmspell config show | llmspell config path', examples: ['llmspell config show', 'llmspell -c ./llmspell.toml config show'] },
  init: { summary: 'Create a starter project (llmspell.toml and main.lua), or a tool plugin package', usage: 'llmspell init [dir] [--force] | llmspell init --tool-plugin <dir>', examples: ['llmspell init my-project', 'llmspell init --tool-plugin my-tools'] },
  types: { summary: 'Write editor types: LuaLS definitions and a TypeScript .d.ts', usage: 'llmspell types [dir]   (default .llmspell/types)', examples: ['llmspell types', 'llmspell types ./types'] },
  state: { summary: 'Inspect and edit persistent state by scope', usage: 'llmspell state scopes | list <scope> | get <scope> <key> | set <scope> <key> <value> | delete <scope> <key> | clear <scope>', examples: ['llmspell state list global', 'llmspell state get agent:helper conversation', 'llmspell state set global greeting \'"hi"\''] },
  backup: { summary: 'Create, list, validate, restore and clean up state backups', usage: 'llmspell backup create [--incremental] [--description TEXT] | list [--limit N] | info <id> | validate <id> | restore <id> [--dry-run] [--no-backup] | cleanup [--dry-run] | usage', examples: ['llmspell backup create', 'llmspell backup restore backup_1717171717_0123456789abcdef --dry-run'] },
  runs: { summary: 'The run history: list runs, show one as a timeline of its spans', usage: 'llmspell runs list [--status ok|error|running|interrupted] [--filter SCRIPT] [--limit N] | show <id|latest> | clear', examples: ['llmspell runs list', 'llmspell runs list --status error --filter nightly --output json', 'llmspell runs show latest'] },
  ui: { summary: 'Browse the run history and span timelines in a local web page', usage: 'llmspell ui [--port N] [--no-auth]   (127.0.0.1 only; default port 8717, 0 for any free one; open the printed URL, it carries a token made for the run; --no-auth lets every local user read the runs)', examples: ['llmspell ui', 'llmspell ui --port 9000'] },
  resume: { summary: 'Resume a durable workflow run from its last completed step', usage: 'llmspell resume <run_id>', examples: ['llmspell resume nightly-2024-06-01'] },
  mcp: { summary: 'MCP servers: list the configured ones, or serve llmspell\'s tools and scripts over MCP', usage: 'llmspell mcp list | llmspell mcp serve [--http [--port P] [--token-file F | --no-auth]] [--script file.lua]…', examples: ['llmspell mcp list', 'llmspell mcp serve --script summarize.lua', 'LLMSPELL_MCP_TOKEN=s3cret llmspell mcp serve --http --port 3001', 'llmspell mcp serve --http --token-file ~/.config/llmspell/mcp-token'] },
  worker: { summary: 'Take jobs from a queue (Redis) and run them with this machine\'s config and keys', usage: 'llmspell worker [--queue redis://HOST:PORT] [--concurrency N] [--name NAME]   (LLMSPELL_QUEUE_URL may stand for --queue)', examples: ['llmspell worker --queue redis://127.0.0.1:6379 --concurrency 4', 'LLMSPELL_QUEUE_URL=redis://10.0.0.5:6379 llmspell worker --name gpu-1'] },
  submit: { summary: 'Queue a script as a job (or one job per JSONL line) for workers', usage: 'llmspell submit SCRIPT [--queue URL] [--each FILE.jsonl] [--wait] [--attempts N] [--run-id ID] [--timeout S] [-- ARGS…]', examples: ['llmspell submit summarize.lua -- --doc a.txt', 'llmspell submit job.lua --each batch.jsonl --wait > results.jsonl'] },
  jobs: { summary: 'List, show, retry and cancel queued jobs', usage: 'llmspell jobs list [--status S] [--limit N] | show ID | retry ID | cancel ID   [--queue URL]', examples: ['llmspell jobs list --status failed', 'llmspell jobs show 42', 'llmspell jobs retry 42'] },
  completion: { summary: 'Print a shell completion script', usage: 'llmspell completion bash|zsh|fish', examples: ['eval "$(llmspell completion bash)"'] },
};

export function mainHelp(version: string): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `llmspell ${version} — script LLMs, tools and workflows in Lua or JavaScript

Usage: llmspell [options] <command> [args]

Commands:
${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`).join('\n')}

Options (before or after the command):
${flagHelpLines(GLOBAL_FLAGS)}

Examples:
  llmspell run hello.lua
  llmspell exec "print(Utils.uuid())"
  llmspell tools show calculator
`;
}

export function commandHelp(name: string): string | undefined {
  const c = COMMANDS[name];
  if (!c) return undefined;
  const own = COMMAND_FLAGS[name] ?? [];
  return `${c.summary}

Usage: ${c.usage}
${own.length ? `\nOptions:\n${flagHelpLines(own)}\n` : ''}
Global options: ${GLOBAL_FLAGS.map((f) => `--${f.name}`).join(' ')} (llmspell --help)

Examples:
${c.examples.map((e) => `  ${e}`).join('\n')}
`;
}
