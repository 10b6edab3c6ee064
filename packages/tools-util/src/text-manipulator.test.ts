import { TEXT_OPERATIONS, textManipulator } from './index.js';
import { MAX_RESULT_CHARS } from './text-manipulator.js';
import { callTool, expectToolFailure } from '@llmspell/core/testing';

const run = async (input: string, operation: string, options?: Record<string, unknown>) => {
  const r = await callTool(textManipulator, { input, operation, ...(options ? { options } : {}) });
  expect(JSON.parse(r.text)).toMatchObject({ operation, success: true });
  return r.result;
};

describe('text_manipulator', () => {
  it('has all 17 operations of the reference', () => {
    expect([...TEXT_OPERATIONS].sort()).toEqual([
      'camel_case', 'dedent', 'indent', 'join', 'lowercase', 'normalize_whitespace', 'pascal_case', 'replace', 'reverse', 'sanitize',
      'snake_case', 'split', 'substring', 'trim', 'truncate', 'uppercase', 'word_wrap',
    ]);
  });

  it('changes case', async () => {
    expect(await run('Hello World', 'uppercase')).toBe('HELLO WORLD');
    expect(await run('Hello World', 'lowercase')).toBe('hello world');
    expect(await run('parseHTTPResponse code', 'snake_case')).toBe('parse_http_response_code');
    expect(await run('hello-world foo_bar', 'camel_case')).toBe('helloWorldFooBar');
    expect(await run('hello world', 'pascal_case')).toBe('HelloWorld');
    expect(await run('XMLHttpRequest', 'snake_case')).toBe('xml_http_request');
  });

  it('reverses by grapheme and trims', async () => {
    expect(await run('abc', 'reverse')).toBe('cba');
    expect(await run('añ👍🏽b', 'reverse')).toBe('b👍🏽ña');
    expect(await run('  \t hi \n', 'trim')).toBe('hi');
  });

  it('replaces with from/to (CODE) and pattern/replacement (DOC), literally or as regex', async () => {
    expect(await run('a.b.c', 'replace', { from: '.', to: '-' })).toBe('a-b-c');
    expect(await run('Hello World', 'replace', { pattern: 'world', replacement: 'Lua', case_insensitive: true })).toBe('Hello Lua');
    expect(await run('2024-01-15', 'replace', { pattern: '(\\d+)-(\\d+)-(\\d+)', replacement: '$3/$2/$1', regex: true })).toBe('15/01/2024');
    expect(await run('$1 cost', 'replace', { from: 'cost', to: '$&x' })).toBe('$1 $&x');
  });

  it('takes substrings, splits and joins', async () => {
    expect(await run('Hello World', 'substring', { start: 6, end: 11 })).toBe('World');
    expect(await run('Hello World', 'substring', { start: -5 })).toBe('World');
    expect(await run('a b c', 'split')).toEqual(['a', 'b', 'c']);
    expect(await run('a,b,,c', 'split', { delimiter: ',' })).toEqual(['a', 'b', '', 'c']);
    expect(await run('a|b', 'split', { separator: '|' })).toEqual(['a', 'b']);
    expect(await run('["x","y","z"]', 'join', { delimiter: ', ' })).toBe('x, y, z');
    expect(await run('one\ntwo', 'join', { separator: '+' })).toBe('one+two');
  });

  it('sanitizes, truncates, indents and dedents', async () => {
    expect(await run('  Hello\u0000Wor\u200Bld\u202E  ', 'sanitize')).toBe('HelloWorld');
    expect(await run('Line1\nLine2\tx', 'sanitize')).toBe('Line1\nLine2\tx');
    expect(await run('Hello, world!', 'truncate', { max_length: 7 })).toBe('Hell...');
    expect(await run('Hello, world!', 'truncate', { length: 6, suffix: '…' })).toBe('Hello…');
    expect(await run('Short', 'truncate', { max_length: 10 })).toBe('Short');
    expect(await run('a\n\nb', 'indent', { spaces: 2 })).toBe('  a\n\n  b');
    expect(await run('a\nb', 'indent', { prefix: '> ' })).toBe('> a\n> b');
    expect(await run('a', 'indent')).toBe('    a');
    expect(await run('    a\n      b\n    c', 'dedent')).toBe('a\n  b\nc');
  });

  it('normalizes whitespace and wraps words', async () => {
    expect(await run('  a \t b\n\n c  ', 'normalize_whitespace')).toBe('a b c');
    expect(await run('the quick brown fox jumps', 'word_wrap', { width: 10 })).toBe('the quick\nbrown fox\njumps');
    expect(await run('abcdefghij', 'word_wrap', { width: 4 })).toBe('abcd\nefgh\nij');
  });

  it('asks for input when given the DOC name text', async () => {
    await expectToolFailure(textManipulator, { text: 'abc', operation: 'uppercase' }, 'INVALID_ARGUMENT', 'input');
  });

  it('rejects bad parameters naming them', async () => {
    await expectToolFailure(textManipulator, { operation: 'uppercase' }, 'INVALID_ARGUMENT', 'input');
    await expectToolFailure(textManipulator, { input: 'x' }, 'INVALID_ARGUMENT', 'operation');
    await expectToolFailure(textManipulator, { input: 'x', operation: 'analyze' }, 'INVALID_ARGUMENT', 'operation');
    await expectToolFailure(textManipulator, { input: 'x', operation: 'replace' }, 'INVALID_ARGUMENT', 'options.from');
    await expectToolFailure(textManipulator, { input: 'x', operation: 'replace', options: { from: 'x' } }, 'INVALID_ARGUMENT', 'options.to');
    await expectToolFailure(textManipulator, { input: 'x', operation: 'replace', options: { pattern: '(', replacement: '', regex: true } }, 'INVALID_ARGUMENT', 'options.pattern');
    await expectToolFailure(textManipulator, { input: 'x', operation: 'substring', options: {} }, 'INVALID_ARGUMENT', 'options.start');
    await expectToolFailure(textManipulator, { input: 'x', operation: 'word_wrap', options: { width: 0 } }, 'INVALID_ARGUMENT', 'options.width');
    await expectToolFailure(textManipulator, { input: 42, operation: 'uppercase' }, 'INVALID_ARGUMENT', 'input');
  });

  describe('hostile input', () => {
    it('runs a catastrophic-backtracking regex in linear time with the right answer', async () => {
      const input = `${'a'.repeat(34)}!`;
      expect(await run(input, 'replace', { pattern: '^(a+)+$', replacement: 'X', regex: true })).toBe(input);
      expect(await run('a'.repeat(34), 'replace', { pattern: '^(a+)+$', replacement: 'X', regex: true })).toBe('X');
      expect(await run(`${'a'.repeat(200_000)}!`, 'replace', { pattern: '(a|aa)+$', replacement: '', regex: true })).toBe(`${'a'.repeat(200_000)}!`);
    });

    it('refuses backreferences and lookahead naming the parameter, and keeps named groups working', async () => {
      const e = await expectToolFailure(textManipulator, { input: 'aa', operation: 'replace', options: { pattern: '(a)\\1', replacement: '', regex: true } }, 'INVALID_ARGUMENT', 'options.pattern');
      expect(e.message).toContain('backreference');
      await expectToolFailure(textManipulator, { input: 'ab', operation: 'replace', options: { from: 'a(?=b)', to: '', regex: true } }, 'INVALID_ARGUMENT', 'options.from');
      expect(await run('2024-01-15', 'replace', { pattern: '(?<y>\\d+)-(?<m>\\d+)-(?<d>\\d+)', replacement: '$<d>.$<m>.$<y>', regex: true })).toBe('15.01.2024');
    });

    it('stops replacements, joins and indents that would grow past the result limit', async () => {
      await expectToolFailure(textManipulator, { input: 'a'.repeat(100_000), operation: 'replace', options: { pattern: 'x*', replacement: 'x'.repeat(1000), regex: true } }, 'SIZE_LIMIT_EXCEEDED', 'options.replacement');
      await expectToolFailure(textManipulator, { input: 'a\n'.repeat(100_000), operation: 'indent', options: { prefix: 'p'.repeat(1000) } }, 'SIZE_LIMIT_EXCEEDED', 'options.prefix');
      await expectToolFailure(textManipulator, { input: '', operation: 'indent', options: { spaces: MAX_RESULT_CHARS + 1 } }, 'SIZE_LIMIT_EXCEEDED', 'options.spaces');
      await expectToolFailure(textManipulator, { input: 'a\nb', operation: 'join', options: { delimiter: 'd'.repeat(MAX_RESULT_CHARS) } }, 'SIZE_LIMIT_EXCEEDED', 'options.delimiter');
    });

    it('splits long text into graphemes correctly', async () => {
      const text = 'añ👍🏽b'.repeat(20_000);
      expect(await run(text, 'reverse')).toBe('b👍🏽ña'.repeat(20_000));
      expect(await run(text, 'substring', { start: -4 })).toBe('añ👍🏽b');
    });

    it('wraps and sanitizes long input in linear time', async () => {
      const word = 'w'.repeat(300_000);
      const wrapped = (await run(word, 'word_wrap', { width: 3 })) as string;
      expect(wrapped.length).toBe(word.length + Math.ceil(word.length / 3) - 1);
      const prose = 'word '.repeat(50_000);
      expect(((await run(prose, 'word_wrap', { width: 1_000_000_000 })) as string)).toBe(prose.trim());
      const spaces = `${' '.repeat(200_000)}x${' '.repeat(200_000)}y${' '.repeat(10)}`;
      expect(await run(spaces, 'sanitize')).toBe(`x${' '.repeat(200_000)}y`);
    });
  });
});
