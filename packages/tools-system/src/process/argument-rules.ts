import path from 'node:path';
import { type ExecutionContext, LlmspellError } from '@llmspell/core';

const TOOL = 'process_executor';

/**
 * What an allow-listed command must not be asked to do through its flags: run another
 * program, write where no path argument says, or follow symlinks out of the allowed roots.
 * The rules hold for the command whatever allow-list it is on; a command not listed here is
 * trusted as the user who allow-listed it decided.
 */
interface CommandRules {
  /** Whole arguments refused (find's single-dash primaries). */
  words?: Record<string, string>;
  /** Long options refused, also under any abbreviation getopt accepts (`--compress-prog`). */
  long?: Record<string, string>;
  /** Short option letters refused, alone or inside a cluster (`-lL`). */
  short?: Record<string, string>;
  /** Short options that take a value: letters after one of them in a cluster are its value. */
  shortWithValue?: string;
}

const RUNS_COMMANDS = 'runs other commands';
const WRITES_FILES = 'writes files its arguments do not name';
const FOLLOWS_LINKS = 'follows symbolic links, which may lead out of the allowed paths';

export const COMMAND_RULES: Record<string, CommandRules> = {
  find: {
    words: {
      '-exec': RUNS_COMMANDS, '-execdir': RUNS_COMMANDS, '-ok': RUNS_COMMANDS, '-okdir': RUNS_COMMANDS,
      '-delete': 'deletes files', '-fprint': WRITES_FILES, '-fprint0': WRITES_FILES, '-fprintf': WRITES_FILES, '-fls': WRITES_FILES,
      '-L': FOLLOWS_LINKS, '-H': FOLLOWS_LINKS, '-follow': FOLLOWS_LINKS,
    },
  },
  sort: {
    long: { 'compress-program': RUNS_COMMANDS },
    shortWithValue: 'koStT',
  },
  grep: {
    long: { 'dereference-recursive': FOLLOWS_LINKS },
    short: { R: FOLLOWS_LINKS },
    shortWithValue: 'efmABCdD',
  },
  ls: {
    long: { dereference: FOLLOWS_LINKS, 'dereference-command-line': FOLLOWS_LINKS, 'dereference-command-line-symlink-to-dir': FOLLOWS_LINKS },
    short: { L: FOLLOWS_LINKS, H: FOLLOWS_LINKS },
    shortWithValue: 'ITw',
  },
  date: {
    long: { set: 'changes the system clock' },
    short: { s: 'changes the system clock' },
    shortWithValue: 'dfrIs',
  },
  tar: {
    long: {
      'to-command': RUNS_COMMANDS, 'checkpoint-action': RUNS_COMMANDS, 'use-compress-program': RUNS_COMMANDS, 'info-script': RUNS_COMMANDS,
      'new-volume-script': RUNS_COMMANDS, 'rsh-command': RUNS_COMMANDS, dereference: FOLLOWS_LINKS,
    },
    short: { I: RUNS_COMMANDS, F: RUNS_COMMANDS, h: FOLLOWS_LINKS },
    shortWithValue: 'bCfgHIKLNTVX',
  },
};

function refuse(index: number, executable: string, option: string, why: string): never {
  throw new LlmspellError('PROCESS_NOT_ALLOWED', `${TOOL}: parameter 'arguments[${index}]': ${executable} ${option} ${why}; refused`, {
    details: { parameter: `arguments[${index}]`, executable, option },
  });
}

/** Refuses the flags of `COMMAND_RULES` for this executable. */
export function checkCommandFlags(executable: string, args: readonly string[]): void {
  const name = path.basename(executable);
  const rules = COMMAND_RULES[name];
  if (!rules) return;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--' && !rules.words) return; // getopt: what follows is operands
    const word = rules.words?.[arg];
    if (word) refuse(i, name, arg, word);
    if (arg.startsWith('--') && arg.length > 2 && rules.long) {
      const given = arg.slice(2).split('=')[0];
      for (const [option, why] of Object.entries(rules.long)) {
        // getopt_long takes any unambiguous prefix, so `--compress` is `--compress-program`.
        if (option.startsWith(given)) refuse(i, name, `--${option}`, why);
      }
    } else if (arg.startsWith('-') && arg.length > 1 && !arg.startsWith('--') && rules.short) {
      for (const letter of arg.slice(1)) {
        const why = rules.short[letter];
        if (why) refuse(i, name, `-${letter}`, why);
        if (rules.shortWithValue?.includes(letter)) break;
      }
    }
  }
}

/** Where an argument may name a file: itself, an `--opt=value` value, the value glued to a short option (`-o/x`), a `key=value` value. */
function pathCandidates(arg: string): string[] {
  if (arg === '' || arg === '-' || arg === '--') return [];
  const out: string[] = [];
  if (arg.startsWith('--')) {
    const eq = arg.indexOf('=');
    if (eq > 0) out.push(arg.slice(eq + 1));
    return out;
  }
  if (arg.startsWith('-')) {
    // Which letters are flags and where a value starts depends on the program: check every
    // split up to the first slash (`-ro/x` → `o/x`, `/x`).
    const slash = arg.indexOf('/');
    const end = slash < 0 ? arg.length : slash + 1;
    for (let i = 2; i < end; i++) out.push(arg.slice(i));
    const eq = arg.indexOf('=');
    if (eq > 0) out.push(arg.slice(eq + 1));
    return out;
  }
  out.push(arg);
  const eq = arg.indexOf('=');
  if (eq > 0) out.push(arg.slice(eq + 1));
  return out;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const MAX_CANDIDATE_LENGTH = 4096;

/**
 * Every argument that could be a path, in every form a program could read it, must resolve
 * inside the allowed roots (symlinks resolved), and never into /proc, where the environment
 * and memory of this very process can be read. A program can still open files it decides on
 * itself; the flag rules keep the default commands from doing that.
 */
export function checkPathArguments(ctx: ExecutionContext, args: readonly string[], cwd: string): void {
  args.forEach((arg, i) => {
    const parameter = `arguments[${i}]`;
    for (const value of pathCandidates(arg)) {
      if (value === '' || URL_LIKE.test(value)) continue;
      if (value.length > MAX_CANDIDATE_LENGTH) {
        throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter '${parameter}' is longer than ${MAX_CANDIDATE_LENGTH} characters`);
      }
      if (value.startsWith('~')) {
        throw new LlmspellError('PATH_NOT_ALLOWED', `${TOOL}: parameter '${parameter}': home-relative paths (${value}) are not allowed`, { details: { parameter } });
      }
      const real = ctx.policy.resolvePath(path.resolve(cwd, value), parameter);
      if (real === '/proc' || real.startsWith('/proc/')) {
        throw new LlmspellError('PATH_NOT_ALLOWED', `${TOOL}: parameter '${parameter}': ${value} is process information of this machine (/proc)`, {
          details: { parameter, path: value, resolved: real },
        });
      }
    }
  });
}
