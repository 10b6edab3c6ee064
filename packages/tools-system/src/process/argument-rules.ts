import fs from 'node:fs';
import path from 'node:path';
import { type ExecutionContext, LlmspellError, isLlmspellError } from '@llmspell/core';

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
  /**
   * The program's other long options whose full name starts a refused one: given in full,
   * getopt takes the exact name (tar's `--file` is not `--files-from`).
   */
  exact?: readonly string[];
  /** Short option letters refused, alone or inside a cluster (`-lL`). */
  short?: Record<string, string>;
  /** Short options that take a value: letters after one of them in a cluster are its value. */
  shortWithValue?: string;
  /** The first argument may be option letters without a dash (tar's old style, `tar cfT a.tar list`). */
  oldStyle?: boolean;
  /** Options that change the directory later names are opened from (tar's `-C`). */
  changesDirectory?: boolean;
}

const RUNS_COMMANDS = 'runs other commands';
const WRITES_FILES = 'writes files its arguments do not name';
const FOLLOWS_LINKS = 'follows symbolic links, which may lead out of the allowed paths';
const READS_NAMES = 'reads the names of the files to open from its input or a file, where the path check cannot see them';

export const COMMAND_RULES: Record<string, CommandRules> = {
  find: {
    words: {
      '-exec': RUNS_COMMANDS, '-execdir': RUNS_COMMANDS, '-ok': RUNS_COMMANDS, '-okdir': RUNS_COMMANDS,
      '-delete': 'deletes files', '-fprint': WRITES_FILES, '-fprint0': WRITES_FILES, '-fprintf': WRITES_FILES, '-fls': WRITES_FILES,
      '-L': FOLLOWS_LINKS, '-H': FOLLOWS_LINKS, '-follow': FOLLOWS_LINKS, '-files0-from': READS_NAMES,
    },
  },
  sort: {
    long: { 'compress-program': RUNS_COMMANDS, 'files0-from': READS_NAMES },
    shortWithValue: 'koStT',
  },
  wc: {
    long: { 'files0-from': READS_NAMES },
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
      'new-volume-script': RUNS_COMMANDS, 'rsh-command': RUNS_COMMANDS, dereference: FOLLOWS_LINKS, 'files-from': READS_NAMES,
    },
    exact: ['file', 'checkpoint'],
    short: { I: RUNS_COMMANDS, F: RUNS_COMMANDS, h: FOLLOWS_LINKS, T: READS_NAMES },
    shortWithValue: 'bCfgHIKLNTVX',
    oldStyle: true,
    changesDirectory: true,
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
  // Arguments still owed as option values: a `--` among them is a value (`sort -o -- --files0-from=-`
  // writes to a file named `--`), not the end of the options.
  let owed = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const isValue = owed > 0;
    if (isValue) owed--;
    if (arg === '--' && !isValue && !rules.words) return; // getopt: what follows is operands
    const word = rules.words?.[arg];
    if (word) refuse(i, name, arg, word);
    if (i === 0 && rules.oldStyle && arg !== '' && !arg.startsWith('-')) {
      // Old style: every letter is an option, each value letter takes the next argument.
      for (const letter of arg) {
        const why = rules.short?.[letter];
        if (why) refuse(i, name, `-${letter}`, why);
        if (rules.shortWithValue?.includes(letter)) owed++;
      }
    } else if (arg.startsWith('--') && arg.length > 2) {
      const given = arg.slice(2).split('=')[0];
      // Which long options take their value from the next argument is not listed: assume one may.
      if (!arg.includes('=')) owed = Math.max(owed, 1);
      if (rules.exact?.includes(given)) continue;
      for (const [option, why] of Object.entries(rules.long ?? {})) {
        // getopt_long takes any unambiguous prefix, so `--compress` is `--compress-program`.
        if (option.startsWith(given)) refuse(i, name, `--${option}`, why);
      }
    } else if (arg.startsWith('-') && arg.length > 1 && !arg.startsWith('--')) {
      const letters = arg.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const why = rules.short?.[letters[j]];
        if (why) refuse(i, name, `-${letters[j]}`, why);
        if (rules.shortWithValue?.includes(letters[j])) {
          if (j === letters.length - 1) owed = Math.max(owed, 1);
          break;
        }
      }
    }
  }
}

/**
 * Where an argument may name a file: itself, an `--opt=value` value, the value glued to a short
 * option (`-o/x`), a `key=value` value. An argument that looks like an option is a file name too
 * when it is an option's value or follows `--` (`sort -o -- -/../x`, `cat -- -/../x`).
 */
function pathCandidates(arg: string): string[] {
  if (arg === '' || arg === '-' || arg === '--') return [];
  const out: string[] = [arg];
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
  const eq = arg.indexOf('=');
  if (eq > 0) out.push(arg.slice(eq + 1));
  return out;
}

/**
 * The absolute path the kernel opens for `value` from `base`. The kernel applies `..` to where
 * the part before it really is, so `link/../x` is next to the link's target; path.resolve would
 * drop `link/..` and check a file inside the roots instead.
 */
function kernelPath(base: string, value: string): string {
  let current = path.isAbsolute(value) ? path.parse(path.resolve(value)).root : base;
  for (const part of value.split(path.sep === '\\' ? /[\\/]/ : '/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') {
      current = path.join(current, part);
      continue;
    }
    let real = current;
    try {
      real = fs.realpathSync.native(current);
    } catch {
      // not there (yet): the kernel cannot pass through it either
    }
    current = path.dirname(real);
  }
  return current;
}

function isDirectory(real: string): boolean {
  try {
    return fs.statSync(real).isDirectory();
  } catch {
    return false;
  }
}

/** `ctx.policy.resolvePath` whose refusals name this tool, as every other process_executor error does. */
export function resolveForTool(ctx: ExecutionContext, input: string, parameter: string): string {
  try {
    return ctx.policy.resolvePath(input, parameter);
  } catch (error) {
    if (!isLlmspellError(error) || error.detail.startsWith(`${TOOL}: `)) throw error;
    throw new LlmspellError(error.code, `${TOOL}: ${error.detail}`, { details: error.details, cause: error.cause });
  }
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const MAX_CANDIDATE_LENGTH = 4096;
const MAX_DIRECTORIES = 256;

/**
 * Every argument that could be a path, in every form a program could read it, must resolve
 * inside the allowed roots (symlinks resolved), and never into /proc, where the environment
 * and memory of this very process can be read. A program can still open files it decides on
 * itself; the flag rules keep the default commands from doing that. For a program that changes
 * directory on an option (tar -C), a relative name is checked from every directory an argument
 * names as well, since it may be opened from there.
 */
export function checkPathArguments(ctx: ExecutionContext, args: readonly string[], cwd: string, executable = ''): void {
  const candidates = args.map((arg, i) => {
    const values = pathCandidates(arg).filter((value) => value !== '' && !URL_LIKE.test(value));
    for (const value of values) {
      if (value.length > MAX_CANDIDATE_LENGTH) {
        throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter 'arguments[${i}]' is longer than ${MAX_CANDIDATE_LENGTH} characters`);
      }
      if (value.startsWith('~')) {
        throw new LlmspellError('PATH_NOT_ALLOWED', `${TOOL}: parameter 'arguments[${i}]': home-relative paths (${value}) are not allowed`, { details: { parameter: `arguments[${i}]` } });
      }
    }
    return values;
  });
  const check = (base: string, value: string, parameter: string): string => {
    const real = resolveForTool(ctx, kernelPath(base, value), parameter);
    if (real === '/proc' || real.startsWith('/proc/')) {
      throw new LlmspellError('PATH_NOT_ALLOWED', `${TOOL}: parameter '${parameter}': ${value} is process information of this machine (/proc)`, {
        details: { parameter, path: value, resolved: real },
      });
    }
    return real;
  };
  const name = path.basename(executable);
  const changesDirectory = Object.hasOwn(COMMAND_RULES, name) && COMMAND_RULES[name].changesDirectory === true;
  // With changesDirectory, every directory an argument names (from any base: `-C a -C b` is a/b)
  // may be where later names are opened from; capped so the product of names and bases stays small.
  const bases = [cwd];
  for (let b = 0; b < bases.length; b++) {
    candidates.forEach((values, i) => {
      for (const value of values) {
        if (b > 0 && path.isAbsolute(value)) continue;
        const real = check(bases[b], value, `arguments[${i}]`);
        if (!changesDirectory || bases.includes(real) || !isDirectory(real)) continue;
        if (bases.length >= MAX_DIRECTORIES) {
          throw new LlmspellError('INVALID_ARGUMENT', `${TOOL}: ${name} names more than ${MAX_DIRECTORIES} directories; each would have to be checked as a place to open the others from`);
        }
        bases.push(real);
      }
    });
  }
}
