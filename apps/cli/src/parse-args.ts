import { parseArgs as parseArgv, type ParseArgsConfig } from 'node:util';
import { closestMatch } from '@llmspell/core/suggest';
import { UsageError } from './usage-error.js';
import { COMMAND_FLAGS, GLOBAL_FLAGS, SCRIPT_COMMANDS, flagsFor, type FlagSpec } from './flags.js';

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
  /** `--stream` (run, exec): print lines go out as they happen even with --output json|pretty. */
  stream?: boolean;
}

export interface ParsedArgs {
  flags: GlobalFlags;
  /** Subcommand words and their own positional arguments. */
  positionals: string[];
  /** The command's own flags (`--force`, `--dry-run`, `--history PATH`); the last value of a repeated one. */
  options: Record<string, string | boolean>;
  /** Every value of a repeatable flag (`--script a.lua --script b.lua`). */
  optionLists: Record<string, string[]>;
  /** Everything after `--`, for the script. */
  scriptArgs: string[];
}


function num(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} needs a positive number, got '${value}'`);
  return n;
}

/** Limits count whole milliseconds: a shorter one would be no limit at all to the timers. */
function seconds(n: number): number {
  if (n < 0.001) throw new UsageError(`--timeout is in seconds and must be at least 0.001 (1 ms), got '${n}'`);
  return n;
}

const GLOBAL_NAMES = new Set(GLOBAL_FLAGS.map((f) => f.name));

/**
 * The command word: the first argument that is neither a global flag nor the value of one.
 * An undeclared flag before it is reported first, since its value would pass for the command.
 */
function findCommand(argv: string[]): string | undefined {
  const takesValue = new Set(GLOBAL_FLAGS.filter((f) => f.type === 'string').flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') return arg;
    const long = arg.startsWith('--') ? arg.slice(2).split('=')[0] : undefined;
    const known = long !== undefined ? GLOBAL_NAMES.has(long) : /^-[A-Za-z]+$/.test(arg) && [...arg.slice(1)].every((c) => GLOBAL_FLAGS.some((f) => f.short === c));
    if (!known) throw unknownOptionError(argv.slice(0, i + 1), undefined, GLOBAL_FLAGS);
    if (takesValue.has(arg)) i++;
  }
  return undefined;
}

function parseConfig(flags: FlagSpec[]): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const f of flags) options[f.name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  return options;
}

/** `unknown option '--tiemout' for 'run'. Did you mean --timeout?` */
function unknownOptionError(argv: string[], command: string | undefined, flags: FlagSpec[]): UsageError {
  const { tokens } = parseArgv({ args: argv, options: parseConfig(flags), strict: false, allowPositionals: true, tokens: true });
  const known = new Set(flags.map((f) => f.name));
  const unknown = tokens.find((t) => t.kind === 'option' && !known.has(t.name));
  const raw = unknown && unknown.kind === 'option' ? unknown.rawName : '?';
  const typed = raw.replace(/^-+/, '');
  const message = `unknown option '${raw}'${command ? ` for '${command}'` : ''}`;
  // a one-letter typo has no near miss worth naming
  const match = raw.startsWith('--') ? closestMatch(typed, flags.map((f) => f.name)) : undefined;
  if (match) return new UsageError(`${message}. Did you mean --${match}?`);
  const owners = Object.entries(COMMAND_FLAGS).filter(([, list]) => list.some((f) => f.name === typed)).map(([name]) => `'${name}'`);
  if (owners.length) return new UsageError(`${message} (--${typed} goes with ${owners.join(', ')})`);
  if (command && SCRIPT_COMMANDS.has(command)) {
    const script = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []))[1] as string | undefined;
    const shown = script ?? '<script>';
    return new UsageError(`${message}. Arguments for the script go after --: llmspell ${command} ${shown} -- ${raw}`);
  }
  return new UsageError(`${message}. llmspell ${command ? `${command} ` : ''}--help lists the options`);
}

/** Node's message for a flag's value, in the CLI's words. */
function valueError(error: Error, flags: FlagSpec[]): UsageError {
  const name = /'(?:-\w, )?(--[\w-]+)/.exec(error.message)?.[1] ?? 'option';
  if (/does not take an argument/.test(error.message)) return new UsageError(`${name} takes no value`);
  const spec = flags.find((f) => `--${f.name}` === name);
  const usage = `${name} ${spec?.value ?? 'VALUE'}`;
  if (/ambiguous/.test(error.message)) return new UsageError(`${name} needs a value: ${usage} (for a value starting with '-', write ${name}=VALUE)`);
  return new UsageError(`${name} needs a value: ${usage}`);
}

/**
 * Parses `llmspell [global flags] <command> [args] [flags] [-- script args]` with Node's own
 * parser in strict mode, against the flags declared for the command (flags.ts). Global flags
 * may stand before or after the command; an undeclared flag is a usage error naming the
 * closest declared one.
 */
export function parseArgs(argv: string[]): ParsedArgs {
  const dashes = argv.indexOf('--');
  const ours = dashes >= 0 ? argv.slice(0, dashes) : argv;
  const scriptArgs = dashes >= 0 ? argv.slice(dashes + 1) : [];
  const command = findCommand(ours);
  if (command !== undefined && command !== 'help' && !Object.hasOwn(COMMAND_FLAGS, command)) {
    const match = closestMatch(command, Object.keys(COMMAND_FLAGS));
    throw new UsageError(`unknown command '${command}'${match ? `. Did you mean '${match}'?` : ''} (llmspell --help lists them)`);
  }
  const declared = flagsFor(command === 'help' ? undefined : command);
  let parsed: ReturnType<typeof parseArgv>;
  try {
    parsed = parseArgv({ args: ours, options: parseConfig(declared), strict: true, allowPositionals: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw unknownOptionError(ours, command, declared);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw valueError(error as Error, declared);
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const str = (name: string) => values[name] as string | undefined;
  const output = str('output') ?? 'text';
  if (output !== 'text' && output !== 'json' && output !== 'pretty') throw new UsageError(`--output must be text, json or pretty, got '${output}'`);
  const timeout = str('timeout');
  const maxMemory = str('max-memory');
  const flags: GlobalFlags = {
    config: str('config'),
    engine: str('engine'),
    output,
    timeoutSeconds: timeout === undefined ? undefined : seconds(num('timeout', timeout)),
    maxMemoryMb: maxMemory === undefined ? undefined : num('max-memory', maxMemory),
    verbose: values.verbose === true,
    quiet: values.quiet === true,
    help: values.help === true,
    version: values.version === true,
    stream: values.stream === true,
  };
  const options: Record<string, string | boolean> = {};
  const optionLists: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(values)) {
    if (GLOBAL_NAMES.has(name) || name === 'stream' || value === undefined) continue;
    if (Array.isArray(value)) {
      optionLists[name] = value;
      if (value.length) options[name] = value[value.length - 1];
    } else options[name] = value;
  }
  // `--` hands what follows to the script; a command that runs none takes it as its own
  // words, as `--` means elsewhere (`state set global n -- -5`)
  if (command !== undefined && !SCRIPT_ARG_COMMANDS.has(command)) return { flags, positionals: [...parsed.positionals, ...scriptArgs], options, optionLists, scriptArgs: [] };
  return { flags, positionals: parsed.positionals, options, optionLists, scriptArgs };
}

/** The commands whose script gets the words after `--` as ARGS. */
const SCRIPT_ARG_COMMANDS = new Set(['run', 'exec', 'submit']);

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
