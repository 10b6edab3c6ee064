import { LlmspellError } from './errors.js';
import { compileScriptRegex, escapeScriptRegex } from './security/script-regex.js';

/**
 * The one glob dialect of llmspell: event patterns, environment-variable allow-lists, file-name
 * filters. Compiled to a regex on the linear-time engine, so `*a*a*a…b` costs one pass over the
 * text however many stars it has.
 *
 * - `*` any run of characters, not crossing the separator (when there is one)
 * - `?` one character, not the separator
 * - `**` as a whole segment: any number of whole segments, none included (`a/**\/b` matches `a/b`);
 *   elsewhere the same as `*`
 * - `[abc]`, `[a-z]`, `[!abc]` or `[^abc]` one character of (not of) the class; a negated class never
 *   matches the separator
 * - `{a,b}` one of the alternatives, which may hold any of the above (and nest)
 * - `\c` the character `c` itself; everything else stands for itself (`.`, `+`, `(` included)
 *
 * The whole text must match. A leading dot is an ordinary character (`*` matches `.env`).
 */
export interface GlobOptions {
  /** The parameter the pattern came from, named in errors. */
  parameter: string;
  /** Prefix for errors (`file_search`). */
  tool?: string;
  /** The segment separator: `/` for paths, `.` for event types; none for flat names. */
  separator?: '/' | '.';
  caseInsensitive?: boolean;
  /** A pattern without the separator matches the last segment only (`*.log` matches `a/b.log`). */
  matchBaseName?: boolean;
}

export type GlobMatcher = (text: string) => boolean;

class GlobTranslator {
  private i = 0;
  private readonly sep: string | undefined;
  private readonly any: string;
  private readonly one: string;

  constructor(private readonly glob: string, private readonly options: GlobOptions) {
    this.sep = options.separator;
    this.one = this.sep ? `[^${escapeScriptRegex(this.sep)}]` : '.';
    this.any = `${this.one}*`;
  }

  translate(): string {
    return this.sequence(false);
  }

  private invalid(why: string): LlmspellError {
    const where = `${this.options.tool ? `${this.options.tool}: ` : ''}parameter '${this.options.parameter}'`;
    return new LlmspellError('INVALID_ARGUMENT', `${where}: invalid glob '${this.glob}': ${why}`, {
      details: { ...(this.options.tool ? { tool: this.options.tool } : {}), parameter: this.options.parameter, pattern: this.glob },
    });
  }

  /** Whether `**` at the cursor is a whole segment: separator (or start) before, separator (or end) after. */
  private globstarAt(pos: number, inBraces: boolean): boolean {
    if (!this.sep || inBraces || this.glob[pos] !== '*' || this.glob[pos + 1] !== '*') return false;
    const before = pos === 0 || this.glob[pos - 1] === this.sep;
    const after = pos + 2 === this.glob.length || this.glob[pos + 2] === this.sep;
    return before && after;
  }

  /** Translates up to the end, or (inside braces) up to the `,` or `}` that ends the alternative. */
  private sequence(inBraces: boolean): string {
    const g = this.glob;
    const sep = this.sep;
    let out = '';
    while (this.i < g.length) {
      const c = g[this.i];
      if (inBraces && (c === ',' || c === '}')) return out;
      if (this.globstarAt(this.i, inBraces)) {
        const s = escapeScriptRegex(sep!);
        // `**/**` means what one `**` does: consecutive globstar segments are taken as one, so
        // the separator this one's translation relies on (before it, or the start) is still there.
        let end = this.i + 2;
        while (g[end] === sep && this.globstarAt(end + 1, inBraces)) end += 3;
        const atEnd = end === g.length;
        if (this.i === 0) out += atEnd ? '.*' : `(?:.*${s})?`;
        // The separator before `**` is already out; `a/**` must match `a`, so it becomes optional.
        else out = out.slice(0, -s.length) + (atEnd ? `(?:${s}.*)?` : `(?:${s}.*)?${s}`);
        this.i = atEnd ? end : end + 1;
        continue;
      }
      if (c === '*') {
        while (g[this.i] === '*') this.i++;
        out += this.any;
      } else if (c === '?') {
        out += this.one;
        this.i++;
      } else if (c === '[') out += this.charClass();
      else if (c === '{') out += this.alternatives();
      else if (c === '}' || c === ']') throw this.invalid(`unexpected ${c} (a \\ before it matches it literally)`);
      else if (c === '\\') {
        if (this.i + 1 >= g.length) throw this.invalid('a trailing \\');
        out += escapeScriptRegex(g[this.i + 1]);
        this.i += 2;
      } else {
        out += escapeScriptRegex(c);
        this.i++;
      }
    }
    if (inBraces) throw this.invalid('unclosed {');
    return out;
  }

  private alternatives(): string {
    this.i++;
    const alts = [this.sequence(true)];
    while (this.glob[this.i] === ',') {
      this.i++;
      alts.push(this.sequence(true));
    }
    this.i++; // the closing `}`, checked by sequence()
    return `(?:${alts.join('|')})`;
  }

  private charClass(): string {
    const g = this.glob;
    let j = this.i + 1;
    const negate = g[j] === '!' || g[j] === '^';
    if (negate) j++;
    let body = '';
    // A `]` first in the class is a member, as in POSIX.
    if (g[j] === ']') {
      body += '\\]';
      j++;
    }
    for (; j < g.length && g[j] !== ']'; j++) {
      const c = g[j];
      if (c === '\\' && j + 1 < g.length) body += `\\${g[++j]}`;
      else body += c === '[' || c === '^' ? `\\${c}` : c;
    }
    if (j >= g.length) throw this.invalid('unclosed [');
    this.i = j + 1;
    const sep = this.sep ? escapeScriptRegex(this.sep) : '';
    return negate ? `[^${body}${sep}]` : `[${body}]`;
  }
}

/** Translates a glob to a regex source (anchored), for callers that combine it with others. */
export function globToRegexSource(glob: string, options: GlobOptions): string {
  return `^${new GlobTranslator(glob, options).translate()}$`;
}

/**
 * Compiles a glob (the dialect above) to a matcher of whole texts. Throws INVALID_ARGUMENT naming
 * `options.parameter` for an unclosed `[` or `{`, a stray `]` or `}`, or a trailing `\`.
 */
export function compileGlob(glob: string, options: GlobOptions): GlobMatcher {
  if (typeof glob !== 'string') {
    throw new LlmspellError('INVALID_ARGUMENT', `${options.tool ? `${options.tool}: ` : ''}parameter '${options.parameter}' must be a string glob`);
  }
  const re = compileScriptRegex(globToRegexSource(glob, options), {
    parameter: options.parameter,
    ...(options.tool ? { tool: options.tool } : {}),
    flags: options.caseInsensitive ? 'is' : 's',
  });
  const sep = options.separator;
  if (options.matchBaseName && sep && !glob.includes(sep)) {
    return (text) => re.test(text.slice(text.lastIndexOf(sep) + 1));
  }
  return (text) => re.test(text);
}
