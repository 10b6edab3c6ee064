import { RE2JS } from 're2js';
import { LlmspellError } from '../errors.js';

/**
 * Regular expressions that come from scripts or from data run here, on RE2's linear-time engine
 * (re2js, a pure-JS port), never on V8's backtracking `RegExp`: `^(a+)+$` against 34 × "a" + "!"
 * takes milliseconds instead of hours. Patterns are written in JavaScript syntax; what RE2 cannot
 * do in linear time (backreferences, lookahead) is refused with an INVALID_ARGUMENT naming the
 * parameter, never quietly run on a backtracking engine.
 */

/** Longest pattern accepted, in characters. */
export const MAX_SCRIPT_REGEX_LENGTH = 65_536;
/** Largest compiled program accepted (RE2 instructions); the per-character cost grows with it. */
export const MAX_SCRIPT_REGEX_PROGRAM = 200_000;

export interface ScriptRegexOptions {
  /** The parameter the pattern came from, named in errors (`options.pattern`). */
  parameter: string;
  /** Prefix for errors (`text_manipulator`). */
  tool?: string;
  /**
   * JavaScript flags: `i` (case-insensitive), `m` (multi-line `^`/`$`), `s` (`.` matches newlines).
   * `g`, `u`, `d` and `v` are accepted and change nothing here (matching is always Unicode-aware;
   * callers choose between first and every match); `y` is refused.
   */
  flags?: string;
}

/** One match: the shape of `RegExp.prototype.exec`'s result (`[0]`, groups, `index`, `groups`). */
export type ScriptRegexMatch = RegExpMatchArray & { index: number };

const UNSUPPORTED_FLAG = /[^gimsudv]/;

function fail(options: ScriptRegexOptions, why: string, source: string): never {
  const excerpt = source.length > 200 ? `${source.slice(0, 200)}…` : source;
  throw new LlmspellError('INVALID_ARGUMENT', `${options.tool ? `${options.tool}: ` : ''}parameter '${options.parameter}': ${why}`, {
    details: { ...(options.tool ? { tool: options.tool } : {}), parameter: options.parameter, pattern: excerpt },
  });
}

/**
 * Finds the first construct RE2 cannot run in linear time, for a message that says what to change.
 * `translateRegExp` would otherwise turn `\k<name>` into the literal text "k<name>".
 */
function unsupportedConstruct(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1];
      if (!inClass && next !== undefined && next >= '1' && next <= '9') return `a backreference (\\${next})`;
      if (!inClass && next === 'k' && source[i + 2] === '<') return 'a named backreference (\\k<…>)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // `[]…]` and `[^]…]`: a leading `]` is literal in RE2 but closes the class in JS; leave it to the parser.
      continue;
    }
    if (c === '(' && source[i + 1] === '?') {
      if (source[i + 2] === '=') return 'a lookahead ((?=…))';
      if (source[i + 2] === '!') return 'a negative lookahead ((?!…))';
    }
  }
  return undefined;
}

const cache = new Map<string, RE2JS>();
const CACHE_SIZE = 128;

function compile(source: string, flags: string, options: ScriptRegexOptions): RE2JS {
  const key = `${flags}/${source}`;
  const hit = cache.get(key);
  if (hit) {
    // Refresh its place: the map's order is the eviction order.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  if (source.length > MAX_SCRIPT_REGEX_LENGTH) {
    fail(options, `regular expression is ${source.length} characters long, over the limit of ${MAX_SCRIPT_REGEX_LENGTH}`, source);
  }
  const bad = UNSUPPORTED_FLAG.exec(flags);
  if (bad) fail(options, `regular expression flag '${bad[0]}' is not supported (i, m, s)`, source);
  const construct = unsupportedConstruct(source);
  if (construct) {
    fail(options, `regular expression uses ${construct}, which the linear-time regex engine (RE2 syntax) does not support; rewrite the pattern without it`, source);
  }
  let re2Flags = RE2JS.LOOKBEHINDS;
  if (flags.includes('i')) re2Flags |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) re2Flags |= RE2JS.MULTILINE;
  if (flags.includes('s')) re2Flags |= RE2JS.DOTALL;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(source), re2Flags);
  } catch (error) {
    const message = (error as Error).message.replace(/^error parsing regexp: /, '');
    fail(options, `invalid regular expression: ${message} (patterns use RE2 syntax: no backreferences or lookahead)`, source);
  }
  if (compiled.programSize() > MAX_SCRIPT_REGEX_PROGRAM) {
    fail(options, `regular expression is too large (${compiled.programSize()} instructions compiled, limit ${MAX_SCRIPT_REGEX_PROGRAM})`, source);
  }
  cache.set(key, compiled);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return compiled;
}

export class ScriptRegex {
  private readonly re: RE2JS;
  private names?: Array<string | undefined>;

  constructor(readonly source: string, readonly flags: string, re: RE2JS) {
    this.re = re;
  }

  /** Number of capturing groups. */
  get groupCount(): number {
    return this.re.groupCount();
  }

  /** Name of each capturing group by number (index 0, the whole match, has none). */
  get groupNames(): Array<string | undefined> {
    if (!this.names) {
      const names: Array<string | undefined> = new Array(this.re.groupCount() + 1).fill(undefined);
      for (const [name, index] of Object.entries(this.re.namedGroups())) names[index] = name;
      this.names = names;
    }
    return this.names;
  }

  /** Whether the pattern matches anywhere in `input`. */
  test(input: string): boolean {
    return this.re.test(input);
  }

  /** The first match, or null. */
  exec(input: string): ScriptRegexMatch | null {
    const first = this.re.matchAll(input).next();
    return first.done ? null : (first.value as ScriptRegexMatch);
  }

  /** Every non-overlapping match, left to right (empty matches advance by one code point). */
  matchAll(input: string): IterableIterator<ScriptRegexMatch> {
    return this.re.matchAll(input) as IterableIterator<ScriptRegexMatch>;
  }

  /**
   * Replaces the first match, or every match with `all` (the default). A string replacement is
   * expanded as by `String.prototype.replace` (`$1`, `$<name>`, `$&`, `` $` ``, `$'`, `$$`); a
   * function gets the match. With `maxLength`, a result that would grow past it throws
   * SIZE_LIMIT_EXCEEDED as soon as it does, before the memory is spent.
   */
  replace(
    input: string,
    replacement: string | ((match: ScriptRegexMatch) => string),
    options: { all?: boolean; maxLength?: number; parameter?: string } = {},
  ): string {
    const pieces: string[] = [];
    let length = 0;
    const push = (piece: string) => {
      length += piece.length;
      if (options.maxLength !== undefined && length > options.maxLength) {
        throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `${options.parameter ? `parameter '${options.parameter}': ` : ''}the replaced text would be longer than ${options.maxLength} characters`);
      }
      pieces.push(piece);
    };
    let last = 0;
    for (const m of this.matchAll(input)) {
      push(input.slice(last, m.index));
      push(typeof replacement === 'string' ? expandReplacement(replacement, m, input) : replacement(m));
      last = m.index + m[0].length;
      if (options.all === false) break;
    }
    push(input.slice(last));
    return pieces.join('');
  }

  /**
   * Splits `input` around the matches (captures are not included). As `String.prototype.split`
   * with a regex, an empty match at either end of the input does not split.
   */
  split(input: string, limit = Infinity): string[] {
    const out: string[] = [];
    if (limit <= 0) return out;
    let last = 0;
    for (const m of this.matchAll(input)) {
      const end = m.index + m[0].length;
      if (m[0] === '' && (m.index === 0 || m.index >= input.length)) continue;
      out.push(input.slice(last, m.index));
      if (out.length >= limit) return out;
      last = end;
    }
    out.push(input.slice(last));
    return out;
  }
}

/** `String.prototype.replace`'s GetSubstitution: `$$ $& $\` $' $n $nn $<name>`. */
function expandReplacement(template: string, m: ScriptRegexMatch, input: string): string {
  if (!template.includes('$')) return template;
  const groups = m.length - 1;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    const next = template[i + 1];
    if (c !== '$' || next === undefined) {
      out += c;
      continue;
    }
    if (next === '$') { out += '$'; i++; continue; }
    if (next === '&') { out += m[0]; i++; continue; }
    if (next === '`') { out += input.slice(0, m.index); i++; continue; }
    if (next === "'") { out += input.slice(m.index + m[0].length); i++; continue; }
    if (next >= '0' && next <= '9') {
      const two = template[i + 2] !== undefined && template[i + 2] >= '0' && template[i + 2] <= '9' ? Number(next + template[i + 2]) : -1;
      if (two >= 1 && two <= groups) { out += m[two] ?? ''; i += 2; continue; }
      const one = Number(next);
      if (one >= 1 && one <= groups) { out += m[one] ?? ''; i++; continue; }
      out += c;
      continue;
    }
    if (next === '<' && m.groups) {
      const close = template.indexOf('>', i + 2);
      if (close >= 0) {
        out += m.groups[template.slice(i + 2, close)] ?? '';
        i = close;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/**
 * Compiles a pattern from a script or from data for linear-time matching. Throws INVALID_ARGUMENT
 * naming `options.parameter` for a bad pattern, an unsupported construct or flag, or one over the
 * size limits. Compiled patterns are cached (the last 128), so a pattern used for every row of a
 * table is compiled once.
 */
export function compileScriptRegex(source: string, options: ScriptRegexOptions): ScriptRegex {
  const flags = options.flags ?? '';
  return new ScriptRegex(source, flags, compile(source, flags, options));
}

/** Escapes text so it matches literally inside a pattern. */
export function escapeScriptRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
