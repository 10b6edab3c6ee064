import { compileScriptRegex, LlmspellError, type ScriptRegex } from '@llmspell/core';

export type EventMatcher = (type: string) => boolean;

const SPECIAL = /[*?{}[\]]/;

function escapeRe(s: string): string {
  return s.replace(/[.+^$()|\\/]/g, '\\$&');
}

/** One dot-free piece of a pattern: `*` any run, `?` one character, `{a,b}`, `[abc]`. */
function segmentRe(seg: string, pattern: string, crossDots: boolean): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') out += crossDots && i === seg.length - 1 ? '.*' : '[^.]*';
    else if (c === '?') out += '[^.]';
    else if (c === '{') {
      const end = seg.indexOf('}', i);
      if (end < 0) throw invalid(pattern, 'unclosed {');
      const alts = seg.slice(i + 1, end).split(',').map((a) => segmentRe(a, pattern, false));
      out += `(?:${alts.join('|')})`;
      i = end;
    } else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) throw invalid(pattern, 'unclosed [');
      let body = seg.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body === '') throw invalid(pattern, 'empty []');
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (c === '}' || c === ']') throw invalid(pattern, `unexpected ${c}`);
    else out += escapeRe(c);
  }
  return out;
}

function invalid(pattern: string, why: string): LlmspellError {
  return new LlmspellError('INVALID_ARGUMENT', `invalid event pattern '${pattern}': ${why}`);
}

/**
 * Compiles an event-type pattern. Dot-separated segments: `*` matches within one segment,
 * `**` any number of segments, `?` one character, `{a,b}` alternatives, `[abc]` a class.
 * As in the reference, `*` alone matches everything and a trailing `*` is a prefix match
 * (`agent.*` matches `agent.state.saved` too). A pattern without wildcards is exact; the
 * empty pattern matches nothing.
 */
export function compileEventPattern(pattern: string): EventMatcher {
  if (typeof pattern !== 'string') throw new LlmspellError('INVALID_ARGUMENT', 'event pattern must be a string');
  // Every event type is non-empty, so the empty pattern is exact and matches nothing. Reference
  // scripts subscribe with "" and expect a subscription, not an error.
  if (pattern.length === 0) return () => false;
  if (pattern.length > 512) throw invalid(pattern.slice(0, 40) + '…', 'longer than 512 characters');
  if (pattern === '*' || pattern === '**') return () => true;
  if (!SPECIAL.test(pattern)) return (type) => type === pattern;
  if (/^[^*?{}[\]]+\*$/.test(pattern)) {
    const prefix = pattern.slice(0, -1);
    return (type) => type.startsWith(prefix);
  }
  const segs = pattern.split('.');
  let re = '^';
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    const last = i === segs.length - 1;
    if (seg === '**') {
      if (i === 0) re += last ? '.*' : '(?:.*\\.)?';
      else re += '(?:\\..*)?';
      continue;
    }
    if (i > 0 && segs[i - 1] !== '**') re += '\\.';
    else if (i > 0 && segs[i - 1] === '**' && i - 1 > 0) re += '\\.';
    re += segmentRe(seg, pattern, last);
  }
  re += '$';
  // `*a*a*a…` becomes `[^.]*a[^.]*a…`, which backtracks polynomially on V8's engine: linear-time matching.
  let compiled: ScriptRegex;
  try {
    compiled = compileScriptRegex(re, { parameter: 'pattern' });
  } catch (e) {
    throw invalid(pattern, (e as LlmspellError).detail);
  }
  return (type) => compiled.test(type);
}
