/*
 * Every flag the CLI accepts, declared once: the parser (parse-args.ts), the help text and the
 * shell completions all read these lists, so a flag cannot be accepted without being documented
 * or completed. Dependency-free: `--help` and `--version` answer from here without the runtime.
 */

export interface FlagSpec {
  /** The long name, without `--`. */
  name: string;
  type: 'string' | 'boolean';
  /** One-letter alias, without `-`. */
  short?: string;
  /** Placeholder for the value in help (`<file>`). */
  value?: string;
  /** Values a completion offers (and, for --output, the only ones accepted). */
  choices?: string[];
  /** Values are files (completion). */
  file?: boolean;
  /** May be given more than once (`--script a.lua --script b.lua`). */
  multiple?: boolean;
  description: string;
}

/** Flags every command takes, before or after the command word. */
export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'config', short: 'c', type: 'string', value: '<file>', file: true, description: 'config file (default: search llmspell.toml, ~/.llmspell/config.toml…)' },
  { name: 'engine', short: 'e', type: 'string', value: '<name>', choices: ['lua', 'javascript', 'js'], description: 'lua | javascript | js (default: the file extension, else default_engine of the config, else lua)' },
  { name: 'output', type: 'string', value: '<format>', choices: ['text', 'json', 'pretty'], description: 'text | json | pretty' },
  { name: 'timeout', type: 'string', value: '<s>', description: 'script wall-time limit in seconds (default 300)' },
  { name: 'max-memory', type: 'string', value: '<MB>', description: 'script memory limit (default 64)' },
  { name: 'verbose', short: 'v', type: 'boolean', description: 'debug logging on stderr; tracebacks with script errors' },
  { name: 'quiet', short: 'q', type: 'boolean', description: 'errors only on stderr' },
  { name: 'help', short: 'h', type: 'boolean', description: 'help for a command: llmspell run --help' },
  { name: 'version', short: 'V', type: 'boolean', description: 'print the version' },
];

const STREAM: FlagSpec = { name: 'stream', type: 'boolean', description: 'with --output json|pretty: print lines go out as they happen (json: on stderr) instead of inside the result' };
const QUEUE: FlagSpec = { name: 'queue', type: 'string', value: '<url>', description: 'the Redis queue (default LLMSPELL_QUEUE_URL, then [queue] url)' };
const LIMIT: FlagSpec = { name: 'limit', type: 'string', value: '<n>', description: 'show at most n entries' };

/** The flags of each command, beside the global ones. A command missing here does not exist. */
export const COMMAND_FLAGS: Record<string, FlagSpec[]> = {
  run: [STREAM],
  exec: [STREAM],
  repl: [{ name: 'history', type: 'string', value: '<file>', file: true, description: 'history file (default ~/.llmspell_history)' }],
  validate: [],
  info: [],
  tools: [{ name: 'category', type: 'string', value: '<name>', description: 'tools list: only this category' }],
  providers: [],
  agents: [],
  config: [],
  init: [
    { name: 'force', short: 'f', type: 'boolean', description: 'overwrite existing files' },
    { name: 'out', short: 'o', type: 'string', value: '<file>', file: true, description: 'config file name (default llmspell.toml)' },
    { name: 'tool-plugin', type: 'string', value: '<dir>', file: true, description: 'create a tool plugin package in <dir> instead of a project' },
  ],
  types: [],
  state: [],
  backup: [
    { name: 'incremental', type: 'boolean', description: 'create: only the changes since the last backup' },
    { name: 'description', type: 'string', value: '<text>', description: 'create: a note kept with the backup' },
    LIMIT,
    { name: 'dry-run', type: 'boolean', description: 'restore, cleanup: say what would happen, change nothing' },
    { name: 'no-backup', type: 'boolean', description: 'restore: do not back up the current state first' },
  ],
  runs: [
    { name: 'status', type: 'string', value: '<status>', choices: ['ok', 'error', 'running', 'interrupted'], description: 'runs list: only runs with this status' },
    { name: 'filter', type: 'string', value: '<script>', description: 'runs list: only runs of scripts matching this' },
    LIMIT,
  ],
  ui: [
    { name: 'port', type: 'string', value: '<n>', description: 'port on 127.0.0.1 (default 8717, 0 for any free one)' },
    { name: 'no-auth', type: 'boolean', description: 'serve without the token made for the run: lets every local user and process read the runs (prompts, outputs, errors)' },
  ],
  resume: [],
  mcp: [
    { name: 'http', type: 'boolean', description: 'serve: streamable HTTP on 127.0.0.1 instead of stdio; requires a bearer token: LLMSPELL_MCP_TOKEN, --token-file, --token, else one made for the run and printed' },
    { name: 'port', type: 'string', value: '<n>', description: 'serve --http: the port (0 for any free one)' },
    { name: 'token', type: 'string', value: '<token>', description: 'serve --http: require this bearer token (other local users see it in ps: prefer LLMSPELL_MCP_TOKEN or --token-file)' },
    { name: 'script', type: 'string', value: '<file>', file: true, multiple: true, description: 'serve: also offer this script as a tool (repeatable)' },
    { name: 'token-file', type: 'string', value: '<file>', file: true, description: 'serve --http: require the bearer token this file holds' },
    { name: 'no-auth', type: 'boolean', description: 'serve --http: require no token: lets every local user and process use the served tools' },
  ],
  worker: [
    QUEUE,
    { name: 'concurrency', type: 'string', value: '<n>', description: 'jobs run at once (default from [queue])' },
    { name: 'name', type: 'string', value: '<name>', description: 'this worker\'s name in job records' },
  ],
  submit: [
    QUEUE,
    { name: 'each', type: 'string', value: '<file.jsonl>', file: true, description: 'one job per JSON line; its keys become the named ARGS' },
    { name: 'wait', type: 'boolean', description: 'follow the jobs and print one JSON line per job as it ends' },
    { name: 'attempts', type: 'string', value: '<n>', description: 'tries per job before it fails' },
    { name: 'run-id', type: 'string', value: '<id>', description: 'durable workflow run id (per line with --each)' },
  ],
  jobs: [
    QUEUE,
    { name: 'status', type: 'string', value: '<status>', choices: ['waiting', 'active', 'delayed', 'completed', 'failed', 'cancelled'], description: 'jobs list: only jobs with this status (comma-separated)' },
    LIMIT,
  ],
  completion: [],
};

/** Commands whose first positional is a script: what follows `--` is the script's ARGS. */
export const SCRIPT_COMMANDS = new Set(['run', 'submit']);

/** The flags `command` accepts: its own, then the global ones. */
export function flagsFor(command: string | undefined): FlagSpec[] {
  return [...((command && COMMAND_FLAGS[command]) || []), ...GLOBAL_FLAGS];
}

/** `-c, --config <file>` */
export function flagLabel(flag: FlagSpec): string {
  return `${flag.short ? `-${flag.short}, ` : '    '}--${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
}

/** Aligned help lines for a list of flags. */
export function flagHelpLines(flags: FlagSpec[]): string {
  const width = Math.max(...flags.map((f) => flagLabel(f).length));
  return flags.map((f) => `  ${flagLabel(f).padEnd(width)}  ${f.description}`).join('\n');
}
