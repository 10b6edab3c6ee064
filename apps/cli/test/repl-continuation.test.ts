import { cli } from './helpers.js';

/** An input waits for more lines only when it ended too early, not when it is plain wrong. */
describe('REPL continuation lines', () => {
  test('Lua: a stray end or ) is a syntax error at once; the next input runs', async () => {
    const run = await cli(['repl'], { input: 'end\nprint(5)\n)\nprint(6)\nx = "cut\nprint(7)\nfor i = 1, 2 do -- loop\nprint(i)\nend\ns = "a\\\nb"\nprint(#s)\n' });
    expect(run.stdout).toBe('5\n6\n7\n1\n2\n3\n');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/<eof> expected near 'end'/),
      expect.stringMatching(/unexpected symbol near '\)'/),
      expect.stringMatching(/unfinished string/),
    ]);
  });

  test('JavaScript: a string cut by a newline is an error at once; template literals and \\ continue', async () => {
    const run = await cli(['repl', '--engine', 'js'], { input: '}\nconsole.log(5)\nx = "cut\nconsole.log(6)\nlet t = `a\nb`\nt.length\nlet u = "a\\\nb"\nu\n' });
    expect(run.stdout).toBe('5\n6\n3\nab\n');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/unexpected token in expression: '\}'/),
      expect.stringMatching(/unexpected end of string/),
    ]);
  });
});
