import { compileScriptRegex, escapeScriptRegex, LlmspellError, MAX_ERROR_DETAIL_LENGTH, MAX_SCRIPT_REGEX_LENGTH, truncateMiddle } from '../index.js';

const opts = { parameter: 'options.pattern', tool: 'demo' };

function refusal(source: string, flags?: string): LlmspellError {
  try {
    compileScriptRegex(source, { ...opts, flags });
  } catch (error) {
    return error as LlmspellError;
  }
  throw new Error(`pattern ${source} was accepted`);
}

describe('compileScriptRegex', () => {
  it('answers a catastrophic-backtracking pattern correctly (no match) instead of running for hours', () => {
    const re = compileScriptRegex('^(a+)+$', opts);
    expect(re.test(`${'a'.repeat(34)}!`)).toBe(false);
    expect(re.test('a'.repeat(34))).toBe(true);
    // The same on a megabyte: linear time, so this returns too.
    expect(compileScriptRegex('(x+x+)+y', opts).test('x'.repeat(1_000_000))).toBe(false);
    expect(compileScriptRegex('^(a|aa)+$', opts).exec(`${'a'.repeat(100_000)}!`)).toBeNull();
  });

  it('reads JavaScript syntax: named groups, \\u escapes, classes, flags', () => {
    const m = compileScriptRegex('(?<user>\\w+)@(?<host>[\\w.]+)', opts).exec('mail ann@example.org now')!;
    expect(m[0]).toBe('ann@example.org');
    expect(m.index).toBe(5);
    expect(m.groups).toEqual({ user: 'ann', host: 'example.org' });
    expect(compileScriptRegex('caf\\u00e9', opts).test('café')).toBe(true);
    expect(compileScriptRegex('HELLO', { ...opts, flags: 'i' }).test('hello')).toBe(true);
    expect(compileScriptRegex('^b$', { ...opts, flags: 'm' }).test('a\nb\nc')).toBe(true);
    expect(compileScriptRegex('^b$', opts).test('a\nb\nc')).toBe(false);
    expect(compileScriptRegex('a.c', { ...opts, flags: 's' }).test('a\nc')).toBe(true);
    expect(compileScriptRegex('a.c', opts).test('a\nc')).toBe(false);
    expect(compileScriptRegex('\\p{Lu}+', { ...opts, flags: 'gu' }).exec('abcÄÖx')![0]).toBe('ÄÖ');
  });

  it('supports lookbehind (linear-time, without captures inside)', () => {
    expect(compileScriptRegex('(?<=\\$)\\d+', opts).exec('cost: $42')![0]).toBe('42');
    expect(compileScriptRegex('(?<!-)\\b\\d+', opts).exec('-5 and 7')![0]).toBe('7');
  });

  it('names the parameter when a pattern uses what a linear-time engine cannot do', () => {
    for (const [source, what] of [['(a)\\1', 'backreference'], ['(?<x>a)\\k<x>', 'named backreference'], ['a(?=b)', 'lookahead'], ['a(?!b)', 'negative lookahead']]) {
      const e = refusal(source);
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain("demo: parameter 'options.pattern'");
      expect(e.message).toContain(what);
      expect(e.details).toMatchObject({ tool: 'demo', parameter: 'options.pattern', pattern: source });
    }
    // Escaped and in-class look-alikes are not refusals.
    expect(compileScriptRegex('\\(?=x', opts).test('(=x')).toBe(true);
    expect(compileScriptRegex('[(?=]x', opts).test('=x')).toBe(true);
  });

  it('refuses syntax errors, unknown flags and oversize patterns with INVALID_ARGUMENT', () => {
    expect(refusal('(unclosed').message).toMatch(/parameter 'options.pattern': invalid regular expression/);
    expect(refusal('a++').code).toBe('INVALID_ARGUMENT');
    expect(refusal('a', 'y').message).toContain("flag 'y'");
    expect(refusal('a'.repeat(MAX_SCRIPT_REGEX_LENGTH + 1)).message).toContain('over the limit');
    const long = refusal(`(${'a'.repeat(500)}`);
    expect((long.details.pattern as string).length).toBeLessThan(300);
  });

  it('replaces with $-references or a function, first or all', () => {
    const re = compileScriptRegex('(\\w+)@(\\w+)', opts);
    expect(re.replace('a@b c@d', '$2 at $1')).toBe('b at a d at c');
    expect(re.replace('a@b c@d', '[$&]', { all: false })).toBe('[a@b] c@d');
    expect(re.replace('a@b c@d', (m) => `${m[1].toUpperCase()}:${m.index}`)).toBe('A:0 C:4');
    expect(compileScriptRegex('(?<n>\\d)', opts).replace('x1y2', '<$<n>>')).toBe('x<1>y<2>');
    expect(compileScriptRegex('x*', opts).replace('abc', '-')).toBe('abc'.replace(/x*/g, '-'));
  });

  it('iterates matches and splits like String.prototype.split without captures', () => {
    const re = compileScriptRegex('\\d+', opts);
    expect([...re.matchAll('a1b22c333')].map((m) => [m[0], m.index])).toEqual([['1', 1], ['22', 3], ['333', 6]]);
    expect(compileScriptRegex('\\s*,\\s*', opts).split('a , b,c')).toEqual(['a', 'b', 'c']);
    expect(compileScriptRegex('', opts).split('abc')).toEqual('abc'.split(/(?:)/));
    expect(compileScriptRegex(',', opts).split('a,b,c', 2)).toEqual(['a', 'b']);
    expect(compileScriptRegex('(,)', opts).split('a,b')).toEqual(['a', 'b']);
  });

  it('reports group names by number', () => {
    expect(compileScriptRegex('(a)(?<second>b)(c)', opts).groupNames).toEqual([undefined, undefined, 'second', undefined]);
  });

  it('escapes text for literal matching', () => {
    const text = 'a.b*c+(d)[e]{f}|g^h$i\\j?k/l-m';
    expect(compileScriptRegex(`^${escapeScriptRegex(text)}$`, opts).test(text)).toBe(true);
    expect(compileScriptRegex(`[${escapeScriptRegex('a-z')}]`, opts).test('b')).toBe(false);
  });
});

describe('error message bounds', () => {
  it('cuts a long detail in the middle with a marker of how much was cut', () => {
    const detail = `start ${'x'.repeat(20 * 1024 * 1024)} end`;
    const e = new LlmspellError('SCRIPT_ERROR', detail);
    expect(e.detail.length).toBeLessThan(MAX_ERROR_DETAIL_LENGTH + 100);
    expect(e.message.startsWith('SCRIPT_ERROR: start xxx')).toBe(true);
    expect(e.message.endsWith('xxx end')).toBe(true);
    const cut = Number(/\[(\d+) characters cut\]/.exec(e.message)![1]);
    expect(cut).toBe(detail.length - MAX_ERROR_DETAIL_LENGTH);
  });

  it('keeps short messages and cuts long string details', () => {
    expect(new LlmspellError('IO_ERROR', 'short').message).toBe('IO_ERROR: short');
    const e = new LlmspellError('IO_ERROR', 'x', { details: { input: 'y'.repeat(100_000), n: 3 } });
    expect((e.details.input as string).length).toBeLessThan(MAX_ERROR_DETAIL_LENGTH + 100);
    expect(e.details.n).toBe(3);
    expect(truncateMiddle('x'.repeat(2000), 4)).toBe('xxx … [1996 characters cut] … x');
    expect(truncateMiddle('x'.repeat(1000), 4)).toHaveLength(1000);
  });

  it('does not cut a cut message again when it is wrapped', () => {
    const first = new LlmspellError('SCRIPT_ERROR', 'x'.repeat(20 * 1024 * 1024));
    const wrapped = new LlmspellError('SCRIPT_ERROR', `script.lua:1: ${first.detail}`);
    expect(wrapped.detail).toBe(`script.lua:1: ${first.detail}`);
    expect(wrapped.message).toContain(`[${20 * 1024 * 1024 - MAX_ERROR_DETAIL_LENGTH} characters cut]`);
  });
});

describe('ScriptRegex.replace', () => {
  it('expands replacement templates exactly as String.prototype.replace does', () => {
    const input = 'ann@example.org, bob@test.net; x@y';
    const source = '(?<user>\\w+)@(\\w+)\\.?(\\w*)';
    for (const template of ['$2/$1', '$&!', '$$', '$`|', "|$'", '$<user>', '$<nope>', '$0', '$9', '$10', '$01', '$', 'a$', '$<user', 'plain']) {
      expect(compileScriptRegex(source, opts).replace(input, template)).toBe(input.replace(new RegExp(source, 'g'), template));
      expect(compileScriptRegex(source, opts).replace(input, template, { all: false })).toBe(input.replace(new RegExp(source), template));
    }
  });

  it('stops a result that grows past maxLength with SIZE_LIMIT_EXCEEDED', () => {
    const re = compileScriptRegex('', opts);
    expect(() => re.replace('a'.repeat(1_000_000), 'x'.repeat(1000), { maxLength: 10_000_000, parameter: 'options.to' }))
      .toThrow(/SIZE_LIMIT_EXCEEDED: parameter 'options.to': the replaced text would be longer than 10000000 characters/);
    expect(re.replace('ab', '-', { maxLength: 5 })).toBe('-a-b-');
  });
});
