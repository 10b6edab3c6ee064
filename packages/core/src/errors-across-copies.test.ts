import { execFileSync } from 'node:child_process';
import { LlmspellError, isLlmspellError } from './errors.js';

// A plugin installed in a project brings its own @llmspell/core, and the CLI's bundled script
// host has one built in: an error one copy throws must be a coded error to the other's
// `instanceof LlmspellError` (else a tool wraps a PATH_NOT_ALLOWED refusal as an IO_ERROR).
describe('LlmspellError across copies of the package', () => {
  test('two loaded copies recognise each other\'s errors; other errors and subclasses keep plain instanceof', () => {
    const built = new URL('../dist/errors.js', import.meta.url).href;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      const a = await import(${JSON.stringify(built + '?copy=a')});
      const b = await import(${JSON.stringify(built + '?copy=b')});
      class Sub extends a.LlmspellError {}
      const fromB = new b.LlmspellError('PATH_NOT_ALLOWED', 'x');
      console.log(JSON.stringify({
        distinct: a.LlmspellError !== b.LlmspellError,
        crossInstance: fromB instanceof a.LlmspellError,
        crossIs: a.isLlmspellError(fromB),
        plain: new Error('x') instanceof a.LlmspellError,
        lookalike: ({ name: 'LlmspellError', code: 'X' }) instanceof a.LlmspellError,
        subOfOther: fromB instanceof Sub,
        subOwn: new Sub('INTERNAL', 'y') instanceof Sub,
        keys: Object.keys(fromB).sort(),
      }));
    `], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      distinct: true, crossInstance: true, crossIs: true, plain: false, lookalike: false, subOfOther: false, subOwn: true,
      keys: ['code', 'detail', 'details', 'name'],
    });
    // and this copy: its own errors, nothing else
    expect(new LlmspellError('INTERNAL', 'z') instanceof LlmspellError).toBe(true);
    expect(new Error('z') instanceof LlmspellError).toBe(false);
    expect(isLlmspellError(new LlmspellError('INTERNAL', 'z'))).toBe(true);
  });
});
