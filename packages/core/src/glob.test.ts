import { compileGlob, type GlobOptions } from './glob.js';
import { LlmspellError } from './errors.js';

type Case = [glob: string, yes: string[], no: string[]];

function check(options: GlobOptions, cases: Case[]): void {
  for (const [glob, yes, no] of cases) {
    const m = compileGlob(glob, options);
    for (const t of yes) expect([glob, t, m(t)]).toEqual([glob, t, true]);
    for (const t of no) expect([glob, t, m(t)]).toEqual([glob, t, false]);
  }
}

describe('compileGlob on flat names (the environment allow-list dialect)', () => {
  test('* and ? match any run and one character; the rest is literal', () => {
    check({ parameter: 'pattern' }, [
      ['LLMSPELL_*', ['LLMSPELL_', 'LLMSPELL_HOME'], ['XLLMSPELL_HOME', 'llmspell_home']],
      ['?ATH', ['PATH'], ['ATH', 'PPATH']],
      ['A.B+C(D)$^|/-', ['A.B+C(D)$^|/-'], ['AxB+C(D)$^|/-', 'AABBC(D)']],
      ['*', ['', 'anything at all', 'a.b/c'], []],
      ['', [''], ['a']],
    ]);
  });
  test('case-insensitive when asked', () => {
    check({ parameter: 'pattern', caseInsensitive: true }, [['path*', ['PATH', 'Path_x'], ['XPATH']]]);
  });
  test('without a separator, * crosses dots and slashes', () => {
    check({ parameter: 'pattern' }, [['a*z', ['a.b/c.z', 'az'], ['a.b/c.zz.x']]]);
  });
  test('* and ? match newlines too', () => {
    check({ parameter: 'pattern' }, [['a*b?', ['a\n\nb\n'], []]]);
  });
});

describe('compileGlob with the "." separator (the event-pattern dialect)', () => {
  const dot: GlobOptions = { parameter: 'pattern', separator: '.' };
  test('* and ? stay within a segment; ** spans segments', () => {
    check(dot, [
      ['*.completed', ['tool.completed'], ['workflow.step.completed', 'completed']],
      ['workflow.*.completed', ['workflow.step.completed'], ['workflow.completed', 'workflow.a.b.completed']],
      ['workflow.**.completed', ['workflow.completed', 'workflow.step.completed', 'workflow.a.b.completed'], ['workflow.failed', 'workflowx.completed']],
      ['**.failed', ['failed', 'tool.failed', 'workflow.step.failed'], ['tool.failed.x', 'toolfailed']],
      ['tool.**', ['tool', 'tool.a', 'tool.a.b'], ['tools.a', 'toolx']],
      ['**', ['', 'a', 'a.b.c'], []],
      ['t?ol.started', ['tool.started', 'tXol.started'], ['tl.started', 't.ol.started']],
      ['a**b', ['ab', 'axxb'], ['a.b']],
    ]);
  });
  test('classes, negated classes and alternatives', () => {
    check(dot, [
      ['tool.{started,completed}', ['tool.started', 'tool.completed'], ['tool.failed', 'tool.']],
      ['agent.[ab]x', ['agent.ax', 'agent.bx'], ['agent.cx']],
      ['agent.[!ab]x', ['agent.cx'], ['agent.ax', 'agent..x']],
      ['agent.[^ab]x', ['agent.cx'], ['agent.bx']],
      ['v[0-9]', ['v0', 'v9'], ['va', 'v10']],
      ['[]]x', [']x'], ['x']],
      ['{a,b{c,d*}}.e', ['a.e', 'bc.e', 'bdxx.e'], ['bd.x.e', 'b.e']],
      ['{,x}y', ['y', 'xy'], ['xxy']],
    ]);
  });
  test('a backslash makes the next character literal', () => {
    check(dot, [
      ['a\\*b', ['a*b'], ['axb']],
      ['a\\{b\\}', ['a{b}'], ['ab']],
      ['\\[x\\]', ['[x]'], ['x']],
    ]);
  });
});

describe('compileGlob with the "/" separator (the file dialect)', () => {
  const path: GlobOptions = { parameter: 'file_pattern', separator: '/', matchBaseName: true };
  test('a pattern without / matches the file name at any depth; with /, the relative path', () => {
    check(path, [
      ['*.log', ['a.log', 'x/y/a.log', '.log'], ['a.log/x', 'a.txt']],
      ['.env*', ['.env', 'cfg/.env.local'], ['env']],
      ['src/*.ts', ['src/a.ts'], ['src/x/a.ts', 'lib/src/a.ts']],
      ['src/**/*.ts', ['src/a.ts', 'src/x/y/a.ts'], ['a.ts', 'lib/a.ts']],
      ['**/test/*', ['test/a', 'x/test/a'], ['x/test/a/b', 'xtest/a']],
      ['*.{md,txt}', ['a.md', 'd/b.txt'], ['a.rs']],
    ]);
  });
  test('without matchBaseName a pattern without / must match the whole text', () => {
    check({ parameter: 'p', separator: '/' }, [['*.log', ['a.log'], ['x/a.log']]]);
  });
});

describe('compileGlob with consecutive ** segments', () => {
  // `**/**` once produced an unbalanced regex ("(?:.*/(?:/.*)?/x"): each must mean one `**`.
  test.each([
    ['/', '**/**/x', ['x', 'a/x', 'a/b/c/x'], ['ax', 'x/a']],
    ['/', '**/**/**/x', ['x', 'a/b/x'], ['xa', 'x/']],
    ['/', 'a/**/**/b', ['a/b', 'a/x/b', 'a/x/y/b'], ['ab', 'b', 'a/bx']],
    ['/', 'a/**/**', ['a', 'a/b', 'a/b/c'], ['ab', 'b']],
    ['/', '**/**', ['', 'a', 'a/b/c'], []],
    ['/', '**', ['', 'a', 'a/b'], []],
    ['/', '**/', ['', 'a/', 'a/b/'], ['a']],
    ['/', '**/**/*.txt', ['a.txt', 'd/a.txt', 'd/e/a.txt'], ['a.md', 'd/a.txt/x']],
    ['/', 'a/**/b/**/**/c', ['a/b/c', 'a/x/b/y/z/c'], ['a/c', 'a/b']],
    ['.', '**.**.x', ['x', 'a.x', 'a.b.x'], ['ax', 'x.a']],
    ['.', 'a.**.**.**', ['a', 'a.b', 'a.b.c'], ['ab']],
    ['.', '{a,b}.**.**.x', ['a.x', 'b.c.d.x'], ['c.x']],
  ] as Array<[sep: '/' | '.', glob: string, yes: string[], no: string[]]>)('%s-separated %s', (sep, glob, yes, no) => {
    check({ parameter: 'pattern', separator: sep }, [[glob, yes, no]]);
  });
});

describe('compileGlob refusals', () => {
  function refusal(glob: string): LlmspellError {
    try {
      compileGlob(glob, { parameter: 'options.pattern', tool: 'file_search', separator: '/' });
    } catch (e) {
      return e as LlmspellError;
    }
    throw new Error(`no refusal for ${glob}`);
  }
  test.each([
    ['a{b,c', /unclosed \{/],
    ['a[bc', /unclosed \[/],
    ['a[]', /unclosed \[/],
    ['a[!]', /unclosed \[/],
    ['a}b', /unexpected \}/],
    ['a]', /unexpected \]/],
    ['ab\\', /trailing \\/],
  ])('%s', (glob, why) => {
    const e = refusal(glob);
    expect(e).toBeInstanceOf(LlmspellError);
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(why);
    expect(e.message).toMatch(/^INVALID_ARGUMENT: file_search: parameter 'options\.pattern': invalid glob/);
  });
  test('a non-string names the parameter', () => {
    expect(() => compileGlob(3 as unknown as string, { parameter: 'allowed_variables' })).toThrow(/parameter 'allowed_variables'/);
  });
});

test('wildcard-heavy globs match in linear time (one pass, no backtracking blow-up)', () => {
  const m = compileGlob(`${'*a'.repeat(40)}*b`, { parameter: 'pattern', separator: '.' });
  expect(m('a'.repeat(20_000))).toBe(false);
  expect(m(`${'a'.repeat(20_000)}b`)).toBe(true);
});
