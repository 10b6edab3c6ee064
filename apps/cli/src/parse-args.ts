import { LlmspellError } from '@llmspell/core/errors';

export type OutputFormat = 'text' | 'json' | 'pretty';

export interface GlobalFlags {
  config?: string;
  engine?: string;
  output: OutputFormat;
  timeoutSeconds?: number;
  maxMemoryMb?: number;
  verbose: boolean;
  quiet: boolean;
  help: boolean;
  version: boolean;
}

export interface ParsedArgs {
  flags: GlobalFlags;
  /** Subcommand words and their own positional arguments. */
  positionals: string[];
  /** Command-specific flags (`--force`, `--detailed`, `--dry-run`, `--history PATH`). */
  options: Record<string, string | boolean>;
  /** Everything after `--`, for the script. */
  scriptArgs: string[];
}

/** Flags taking a value: global ones and the command ones that need one. */
const VALUE_FLAGS = new Set(['config', 'engine', 'output', 'timeout', 'max-memory', 'history', 'limit', 'description', 'out', 'format', 'filter', 'scope', 'category', 'port', 'token', 'queue', 'concurrency', 'name', 'each', 'attempts', 'run-id', 'status']);
const SHORT: Record<string, string> = { c: 'config', v: 'verbose', q: 'quiet', h: 'help', V: 'version', o: 'out', f: 'force' };

export class UsageError extends LlmspellError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'UsageError';
  }
}

function num(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} needs a positive number, got '${value}'`);
  return n;
}

/**
 * Parses `llmspell [global flags] <command> [args] [flags] [-- script args]`. Global flags
 * may stand before or after the command.
 */
export function parseArgs(argv: string[]): ParsedArgs {
  const flags: GlobalFlags = { output: 'text', verbose: false, quiet: false, help: false, version: false };
  const positionals: string[] = [];
  const options: Record<string, string | boolean> = {};
  let scriptArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      scriptArgs = argv.slice(i + 1);
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else if (/^-[A-Za-z]$/.test(arg)) {
      name = SHORT[arg.slice(1)];
      if (!name) throw new UsageError(`unknown option ${arg}`);
    }
    if (name === undefined) {
      positionals.push(arg);
      continue;
    }
    let value: string | undefined = inline;
    if (VALUE_FLAGS.has(name) && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    switch (name) {
      case 'config': flags.config = value; break;
      case 'engine': flags.engine = value; break;
      case 'output':
        if (value !== 'text' && value !== 'json' && value !== 'pretty') throw new UsageError(`--output must be text, json or pretty, got '${value}'`);
        flags.output = value;
        break;
      case 'timeout': flags.timeoutSeconds = num(name, value!); break;
      case 'max-memory': flags.maxMemoryMb = num(name, value!); break;
      case 'verbose': flags.verbose = true; break;
      case 'quiet': flags.quiet = true; break;
      case 'help': flags.help = true; break;
      case 'version': flags.version = true; break;
      default: options[name] = value ?? true;
    }
  }
  return { flags, positionals, options, scriptArgs };
}

/** `-- a b --name value --flag` → positional [a, b], named {name: value, flag: "true"}. */
export function splitScriptArgs(args: string[]): { positional: string[]; named: Record<string, string> } {
  const positional: string[] = [];
  const named: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        named[a.slice(2, eq)] = a.slice(eq + 1);
      } else {
        const next = args[i + 1];
        if (next !== undefined && !next.startsWith('--')) {
          named[a.slice(2)] = next;
          i++;
        } else {
          named[a.slice(2)] = 'true';
        }
      }
    } else {
      positional.push(a);
    }
  }
  return { positional, named };
}
